// Module hooks (run on Node's hooks thread) for slow-bundle.mjs: when the module that loads the
// bundle (bin/cli-loader.js, which compiles dist/fetch-many.bundle.cjs) is about to be resolved,
// say so on stderr, then wait FETCH_MANY_TEST_BUNDLE_DELAY_MS (default 1000) first.
import { writeSync } from 'node:fs';

/** The line a test waits for before it signals. */
export const MARKER = 'test-hook: loading the CLI bundle\n';

export async function resolve(specifier, context, nextResolve) {
  if (specifier.endsWith('cli-loader.js')) {
    writeSync(2, MARKER);
    const ms = Number(process.env.FETCH_MANY_TEST_BUNDLE_DELAY_MS ?? 1000);
    await new Promise((done) => setTimeout(done, ms));
  }
  return nextResolve(specifier, context);
}
