// Bundles the compiled CLI (dist/cli/main.js and everything it imports, commander and chalk
// included) into one file. Measured on Node 20: the unbundled CLI spent ~50 ms of its startup
// resolving and loading ~60 ES modules; one file takes ~25 ms of that back (`fetch-many
// --version` 113 ms → 89 ms, against 67 ms for `node -e 0`).
//
// Issue 13: node built-ins that a plain-HTTP run never uses are loaded on first use instead of
// at startup (node:tls and node:crypto ~15 ms, node:child_process — commander's, for subcommands we do not
// have — ~9 ms, node:zlib and node:vm a few ms each; see bench/PROFILE.md). Each is replaced in
// the bundle by a small module that loads the real one when one of its functions is first
// called. The ESM shims list the names our code imports: an import of any other name fails the
// build ("No matching export"), so a new import cannot silently get `undefined`.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

/** Loads a built-in on first use; `require` is the bundle's (see the banner). */
const loader = (name) => `let real; const m = () => (real ??= require(${JSON.stringify(name)}));`;
const forward = (fn) => `export function ${fn}(...args) { return m().${fn}(...args); }`;

/** A lazily filled array: spread and indexed like the real one, read when first touched. */
const lazyArray = (expr) =>
  `new Proxy([], { get: (_t, k) => { const a = ${expr}; const v = a[k]; return typeof v === 'function' ? v.bind(a) : v; }, has: (_t, k) => k in ${expr}, ownKeys: () => Reflect.ownKeys(${expr}), getOwnPropertyDescriptor: (_t, k) => Reflect.getOwnPropertyDescriptor(${expr}, k) })`;

const SHIMS = {
  'node:tls': [
    loader('node:tls'),
    forward('connect'),
    forward('createSecureContext'),
    `export const rootCertificates = ${lazyArray('m().rootCertificates')};`,
  ].join('\n'),
  'node:zlib': [
    loader('node:zlib'),
    ...['createBrotliDecompress', 'createGunzip', 'createInflate', 'createInflateRaw'].map(forward),
  ].join('\n'),
  // The `demo` subcommand's server only.
  'node:http': [loader('node:http'), forward('createServer')].join('\n'),
  // Hashing (`hash`) and temp names (`outputDir`, atomic report files) only.
  'node:crypto': [loader('node:crypto'), forward('createHash'), forward('randomBytes')].join('\n'),
  // Default import (`import vm from 'node:vm'`): every property read goes to the real module.
  'node:vm': [loader('node:vm'), 'export default new Proxy({}, { get: (_t, k) => m()[k] });'].join('\n'),
  // commander require()s it at load time and calls `spawn` only for executable subcommands.
  'node:child_process': [
    loader('node:child_process'),
    'export function spawn(...args) { return m().spawn(...args); }',
  ].join('\n'),
};

const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: /^node:(tls|zlib|vm|child_process|crypto|http)$/ }, (args) =>
      args.namespace === 'lazy-builtin'
        ? { path: args.path, external: true }
        : { path: args.path, namespace: 'lazy-builtin' },
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({ contents: SHIMS[args.path], loader: 'js' }));
  },
};

// The readers of --links, --crawl and --sitemap (htmlparser2, markdown-it, sax and what they pull
// in: about 350 KB of the 1 MB bundle) are imported with import() where they are used, so they
// go to chunks of their own under dist/chunks/ and are parsed only by the runs that use them.
// One file held them all: importing it took 45.2 ms against 36.5 ms for the split main file
// (fastest of 25 runs each, issue 24). Old chunks are removed first: their names carry a hash,
// and a stale one would ship in the tarball.
rmSync('dist/chunks', { recursive: true, force: true });
await build({
  entryPoints: ['dist/cli/main.js'],
  outdir: 'dist',
  entryNames: 'fetch-many.bundle',
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [lazyBuiltins],
  // commander is CommonJS and calls require() for node built-ins; an ES module has no require.
  banner: {
    js: "import { createRequire as __fmRequire } from 'node:module'; const require = __fmRequire(import.meta.url);",
  },
});
