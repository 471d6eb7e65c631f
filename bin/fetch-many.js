#!/usr/bin/env node
// Thin entry: runs the compiled, bundled CLI (no TypeScript at run time) and exits with its code.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // Answered without loading the CLI: scripts probe the version, and startup is most of its cost.
  const { VERSION } = await import('../dist/version.js');
  process.stdout.write(`${VERSION}\n`);
  process.exit(0);
}
const { main } = await import('../dist/fetch-many.bundle.js');
const code = await main(args);
// Flushing is done by the reporters; exit now so a still-open stdin cannot hold the process.
process.exit(code);
