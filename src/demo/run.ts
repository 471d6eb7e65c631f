import { main } from '../cli/main.js';
import { startDemoServer } from './server.js';

/**
 * `npm run demo`: serves a handful of well- and badly-behaved targets on loopback and runs
 * fetch-many over them, exactly as a user would from the command line.
 */
const demo = await startDemoServer();
const { base } = demo;
const args = [
  `${base}/health`,
  `${base}/missing`,
  `${base}/broken`,
  `${base}/stream`,
  `${base}/slow`,
  `${base}/hang`,
  `127.0.0.1:${demo.refusedPort}/`,
  `${base}/`,
  'http://bad host/',
  '--timeout',
  '2s',
  ...process.argv.slice(2),
];
process.stderr.write(
  `demo: serving on ${base}; running: fetch-many ${args.map((a) => (a.includes(' ') ? JSON.stringify(a) : a)).join(' ')}\n\n`,
);
const code = await main(args);
await demo.close();
process.stderr.write(
  `\ndemo: fetch-many exited with ${code}` +
    (code === 1
      ? ' — some targets failed, which is what this demo shows (404, 500, a timeout, a refused port, a bad target).\n'
      : '\n'),
);
process.exit(0);
