// Test-only preload (NODE_OPTIONS=--import=<this file>): holds a report's final step open — the
// rename of its complete temp file (`….tmp`) over the report path — so a test can send a signal
// while a report is being put in place, a window of a millisecond otherwise. Says so on stderr
// first, then waits FETCH_MANY_TEST_RENAME_DELAY_MS (default 1000).
import { writeSync } from 'node:fs';
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';

/** The line a test waits for before it signals. */
export const MARKER = 'test-hook: renaming a report into place\n';

const rename = fsp.rename;
fsp.rename = async (from, to) => {
  if (String(from).endsWith('.tmp')) {
    writeSync(2, MARKER);
    await new Promise((done) => setTimeout(done, Number(process.env.FETCH_MANY_TEST_RENAME_DELAY_MS ?? 1000)));
  }
  return rename(from, to);
};
// The CLI's bundle imports `rename` from node:fs/promises; this makes that binding the one above.
syncBuiltinESMExports();
