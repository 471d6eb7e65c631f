// Preloaded (`node --import`) by the footprint test: writes the V8 young generation's size at
// startup and at exit to stderr, so the test can tell whether it grew during the run.
import v8 from 'node:v8';

const newSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? -1;
const atStart = newSpace();
process.on('exit', () => {
  process.stderr.write(`\nNEW_SPACE start=${atStart} end=${newSpace()}\n`);
});
