#!/usr/bin/env node
// Thin entry: runs the compiled CLI (no TypeScript at run time) and exits with its code.
import { main } from '../dist/cli/main.js';

const code = await main(process.argv.slice(2));
// Flushing is done by the reporters; exit now so a still-open stdin cannot hold the process.
process.exit(code);
