// Test-only preload (NODE_OPTIONS=--import=<this file>): holds the CLI bundle's loading open so
// a test can send a signal while bin/fetch-many.js has run its first lines but nothing of the
// CLI is loaded yet — a window of a few tens of milliseconds otherwise. See slow-bundle-hooks.mjs.
import { register } from 'node:module';

register('./slow-bundle-hooks.mjs', import.meta.url);
