// Preloaded (`node --import`) by the upload tests: writes the process's peak resident set (VmHWM,
// read from /proc/self/status) to stderr at exit, so a test can bound the memory a run needed.
import { readFileSync } from 'node:fs';

process.on('exit', () => {
  const status = readFileSync('/proc/self/status', 'latin1');
  const line = status.split('\n').find((l) => l.startsWith('VmHWM:')) ?? 'VmHWM: -1 kB';
  process.stderr.write(`\nPEAK_RSS_KB=${line.slice(6).trim().split(' ')[0]}\n`);
});
