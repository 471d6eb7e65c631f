/**
 * Entry of the Action's bundle (action/index.mjs, built by `npm run build:action`): the runner
 * starts it with `node` and nothing installed, so everything it needs is in that one file.
 */
import { runAction } from './run.js';

const code = await runAction({
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
// Let stdout drain before exiting: the annotations are on it.
process.stdout.write('', () => process.exit(code));
