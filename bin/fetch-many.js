#!/usr/bin/env node
// Thin entry: runs the compiled, bundled CLI (no TypeScript at run time) and exits with its code.
//
// Signals first, before anything is loaded: loading the CLI takes tens of milliseconds, and a
// Ctrl-C or SIGTERM then must still end in valid (empty) reports and exit 130/143, not kill the
// process with nothing written. These are the process's only SIGINT/SIGTERM handlers, for its
// whole life; the CLI hooks into them (see ProcessSignals in src/cli/signals.ts): the first
// signal stops the run and every report is still written whole, a second exits at once.
import { fileURLToPath } from 'node:url';

const signals = { received: null, onSignal: null, beforeExit: null };
const exitCodeFor = (signal) => (signal === 'SIGINT' ? 130 : 143);
const onSignal = (signal) => {
  if (signals.received !== null) {
    try {
      signals.beforeExit?.();
    } finally {
      process.exit(exitCodeFor(signal));
    }
  }
  signals.received = signal;
  signals.onSignal?.(signal);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

// A clone that was never built has no dist/: say what to do in one line (exit 2, a usage error),
// not with a stack of ERR_MODULE_NOT_FOUND. Only a missing dist/ file is this case; any other
// failure to load is ours, and is thrown as it is.
const notBuilt = () => {
  process.stderr.write('fetch-many: not built yet (no dist/): run npm install first\n');
  process.exit(2);
};
const load = async (path) => {
  try {
    return await import(path);
  } catch (err) {
    const file = fileURLToPath(new URL(path, import.meta.url));
    if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes(file)) notBuilt();
    throw err;
  }
};

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // Answered without loading the CLI: scripts probe the version, and startup is most of its cost.
  const { VERSION } = await load('../dist/version.js');
  process.stdout.write(`${VERSION}\n`);
  process.exit(signals.received === null ? 0 : exitCodeFor(signals.received));
}
// A run allocates fast (a target, a request, a result and often a socket per URL), and V8 then
// grows its young generation to 2 × 16 MiB: a quarter to a third of a 10k run's peak RSS, for no
// measurable speed (bench/PROFILE.md, issues 10 and 13). Kept at its initial size instead. Set
// here, for the CLI's own process only: the library never changes a host's V8 flags.
(await import('node:v8')).setFlagsFromString('--semi-space-growth-factor=1');
// The bundle is CommonJS, compiled through a V8 code cache kept between runs (bin/cli-loader.js).
const { loadCli } = await import('./cli-loader.js');
const bundle = fileURLToPath(new URL('../dist/fetch-many.bundle.cjs', import.meta.url));
let cli;
try {
  cli = loadCli(bundle);
} catch (err) {
  if (err?.code === 'ENOENT' && err.path === bundle) notBuilt();
  throw err;
}
const code = await cli.main(args, undefined, signals);
cli.saveCache();
// Flushing is done by the reporters; exit now so a still-open stdin cannot hold the process.
// main decides the code: 130/143 after a signal once every report is written, but a usage error
// (exit 2, nothing written) stays one even when a signal came meanwhile (issue 22).
process.exit(code);
