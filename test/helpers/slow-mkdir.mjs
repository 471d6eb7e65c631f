// Test-only preload (NODE_OPTIONS=--import=<this file>): holds the creation of a directory whose
// path contains FETCH_MANY_TEST_MKDIR_HOLD — as a hung network file system, or Node's recursive
// mkdir looping on procfs, would — so a test can send a signal while a directory is being
// created. Says so on stderr first, then waits 60 s (a timer that keeps the process alive, as
// the real wait would).
import { writeSync } from 'node:fs';
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';

/** The line a test waits for before it signals. */
export const MARKER = 'test-hook: creating a directory\n';

const hold = process.env.FETCH_MANY_TEST_MKDIR_HOLD;
const mkdir = fsp.mkdir;
fsp.mkdir = async (path, options) => {
  if (hold !== undefined && hold !== '' && String(path).includes(hold)) {
    writeSync(2, MARKER);
    await new Promise((done) => setTimeout(done, 60_000));
  }
  return mkdir(path, options);
};
// The CLI's bundle imports `mkdir` from node:fs/promises; this makes that binding the one above.
syncBuiltinESMExports();
