// Bundles the compiled CLI (dist/cli/main.js and everything it imports, commander and chalk
// included) into one file. Measured on Node 20: the unbundled CLI spent ~50 ms of its startup
// resolving and loading ~60 ES modules; one file takes ~25 ms of that back (`fetch-many
// --version` 113 ms → 89 ms, against 67 ms for `node -e 0`).
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/cli/main.js'],
  outfile: 'dist/fetch-many.bundle.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  // commander is CommonJS and calls require() for node built-ins; an ES module has no require.
  banner: {
    js: "import { createRequire as __fmRequire } from 'node:module'; const require = __fmRequire(import.meta.url);",
  },
});
