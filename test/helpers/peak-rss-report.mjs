// Preloaded (`node --import`) by the upload and malformed-input tests: writes the process's peak
// resident set (VmHWM of /proc/self/status, read at exit) to stderr, so a test can bound memory by
// what the kernel counted rather than by timing.
import { readFileSync, writeSync } from 'node:fs';

process.on('exit', () => {
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  writeSync(2, `\nPEAK_RSS_KB=${m === null ? -1 : m[1]}\n`);
});
