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
//
// Issue 24: CommonJS, not an ES module, so that bin/cli-loader.js can compile it with `vm.Script`
// and a V8 code cache (an ES module has no such API on Node 20). Its last line is a hash of the
// rest: the cache's name, since V8 checks only a cached source's length.
import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const OUT = 'dist/fetch-many.bundle.cjs';

/** Loads a built-in on first use; `require` is the bundle's (CommonJS). */
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

// One file, no chunks: esbuild splits only ES modules. Splitting the site readers (htmlparser2,
// markdown-it, sax: ~350 KB) into chunks took import from 45.2 to 36.5 ms, but the code cache
// takes more (10 targets, 30 runs: 128 ms CPU split, 115 ms one CommonJS file with the cache;
// bench/PROFILE.md, issue 24), and their modules are still evaluated only when first used.
// dist/chunks/ of an earlier build is removed: it would ship in the tarball.
rmSync('dist/chunks', { recursive: true, force: true });
await build({
  entryPoints: ['dist/cli/main.js'],
  outfile: OUT,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [lazyBuiltins],
});
const hash = createHash('sha256').update(readFileSync(OUT)).digest('hex').slice(0, 32);
appendFileSync(OUT, `//# fetch-many-build=${hash}\n`);
// The ES module bundle of earlier builds, if any: nothing loads it any more.
rmSync('dist/fetch-many.bundle.js', { force: true });
