import { main } from '../cli/main.js';
import { runDemo } from './cli.js';

/** `npm run demo [-- --serve]`: the same as `fetch-many demo`, from a clone. */
const code = await runDemo(process.argv.slice(2), process, (argv) => main(argv));
process.exit(code);
