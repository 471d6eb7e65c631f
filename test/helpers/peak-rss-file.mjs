// Preloaded (`node --import`) by memory tests: at exit, appends the process's peak RSS (VmHWM
// from /proc/self/status, in KiB) to the file named by PEAK_RSS_FILE, so the test reads the
// child's own high-water mark rather than sampling it from outside.
import { appendFileSync, readFileSync } from 'node:fs';

process.on('exit', () => {
  const file = process.env.PEAK_RSS_FILE;
  if (file === undefined) return;
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  appendFileSync(file, `${m === null ? -1 : m[1]}\n`);
});
