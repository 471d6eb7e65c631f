import { main } from '../cli/main.js';

/** `npm run demo [-- --serve]`: exactly `fetch-many demo …`, from a clone. */
process.exit(await main(['demo', ...process.argv.slice(2)]));
