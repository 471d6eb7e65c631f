import { DEMO_ROUTES, startDemoServer } from './server.js';

/**
 * `fetch-many demo` (and `npm run demo`): without `--serve`, starts the demo server on a free
 * loopback port and runs fetch-many over its targets, as a user would; with `--serve`, keeps the
 * targets up on 127.0.0.1 (port 8080 unless `--port`) until Ctrl-C, so the README's examples and
 * the files in examples/ can be run against it by hand.
 *
 * fetch-many itself is handed in rather than imported: the CLI imports this file to dispatch the
 * subcommand, and the dependency must go one way only.
 */
export interface DemoIO {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

export type RunFetchMany = (argv: string[]) => Promise<number>;

/** The port the examples name (`http://127.0.0.1:8080/…`). */
export const DEMO_PORT = 8080;

const USAGE = `Usage: fetch-many demo [fetch-many options]
       fetch-many demo --serve [--port <n>]

Without --serve: serves a few well- and badly-behaved targets on a free loopback port and runs
fetch-many over them (extra options are passed on to fetch-many, e.g. --ndjson).
With --serve: keeps those targets up on http://127.0.0.1:${DEMO_PORT} (or --port; 0 picks a free
port) and lists them, until Ctrl-C. The examples in the README and in examples/ run against it.
`;

/**
 * Resolves to the exit code: 0, or 2 for a usage error (the demo run itself ends 0 whatever the
 * targets did). `stop` ends `--serve`; without it, the first SIGINT or SIGTERM does.
 */
export async function runDemo(
  args: string[],
  io: DemoIO,
  runFetchMany: RunFetchMany,
  stop?: Promise<unknown>,
): Promise<number> {
  if (args.includes('-h') || args.includes('--help')) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (!args.includes('--serve')) return demoRun(args, io, runFetchMany);

  let port = DEMO_PORT;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--serve') continue;
    if (arg === '--port' || arg.startsWith('--port=')) {
      const value = arg === '--port' ? args[++i] : arg.slice('--port='.length);
      if (value === undefined || !/^\d{1,5}$/.test(value) || Number(value) > 65_535) {
        io.stderr.write(
          `fetch-many demo: --port must be a whole number from 0 to 65535, got ${JSON.stringify(value ?? '')}\n`,
        );
        return 2;
      }
      port = Number(value);
      continue;
    }
    io.stderr.write(
      `fetch-many demo: with --serve, only --port is accepted, got ${JSON.stringify(arg)} (see --help)\n`,
    );
    return 2;
  }
  return serve(port, io, stop ?? interrupted());
}

async function serve(port: number, io: DemoIO, stop: Promise<unknown>): Promise<number> {
  let demo: Awaited<ReturnType<typeof startDemoServer>>;
  try {
    demo = await startDemoServer({ port });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'is in use' : `cannot be listened on (${code ?? String(err)})`;
    io.stderr.write(
      `fetch-many demo: port ${port} on 127.0.0.1 ${why}; stop what listens there, or pick another with --port (0: any free port)\n`,
    );
    return 2;
  }
  const width = Math.max(...DEMO_ROUTES.map((r) => demo.base.length + r.path.length));
  io.stdout.write(`fetch-many demo: serving on ${demo.base} until Ctrl-C\n`);
  for (const r of DEMO_ROUTES) io.stdout.write(`  ${(demo.base + r.path).padEnd(width)}  ${r.says}\n`);
  await stop;
  await demo.close();
  io.stdout.write('fetch-many demo: stopped\n');
  return 0;
}

async function demoRun(args: string[], io: DemoIO, runFetchMany: RunFetchMany): Promise<number> {
  const demo = await startDemoServer();
  const { base } = demo;
  const argv = [
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
    ...args,
  ];
  io.stderr.write(
    `demo: serving on ${base}; running: fetch-many ${argv.map((a) => (a.includes(' ') ? JSON.stringify(a) : a)).join(' ')}\n\n`,
  );
  const code = await runFetchMany(argv);
  await demo.close();
  io.stderr.write(
    `\ndemo: fetch-many exited with ${code}` +
      (code === 1
        ? ' — some targets failed, which is what this demo shows (404, 500, a timeout, a refused port, a bad target).\n'
        : '\n'),
  );
  return 0;
}

/** Settles on the first SIGINT or SIGTERM, and stops listening for them then. */
function interrupted(): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}
