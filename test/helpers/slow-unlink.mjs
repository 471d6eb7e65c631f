// Test-only preload (NODE_OPTIONS=--import=<this file>): holds the removal of a report's temp file
// (`….tmp`) — what the CLI does when it drops its reports, on a usage error found after the
// reporters started (`no targets in the input`) — so a test can send a signal right then, a
// window of a millisecond otherwise. Says so on stderr first, then waits 1 s.
import { writeSync } from 'node:fs';
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';

/** The line a test waits for before it signals. */
export const MARKER = 'test-hook: removing a report temp file\n';

const unlink = fsp.unlink;
fsp.unlink = async (path) => {
  if (String(path).endsWith('.tmp')) {
    writeSync(2, MARKER);
    await new Promise((done) => setTimeout(done, 1000));
  }
  return unlink(path);
};
// The CLI's bundle imports `unlink` from node:fs/promises; this makes that binding the one above.
syncBuiltinESMExports();
