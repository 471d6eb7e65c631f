/**
 * Issue 22: the first SIGINT/SIGTERM ends the run whatever it is waiting on — a quiet producer on
 * a FIFO given as the target file, a directory being created, a FIFO `--junit` report nobody
 * reads — with every report valid; the second exits at once. Before the fix the
 * FIFO was read like a regular file, in libuv's thread pool: the summary came out, then the
 * process waited for the producer's next write, because Node joins those threads on exit.
 *
 * The producer keeps its end open far longer than the harness lets the CLI live, so a CLI that
 * waits for it is killed by the harness and the test fails on the exit code, not on a clock.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, constants, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type TestServer } from '../helpers/servers.js';
import { childrenNamed, parseXml } from '../report/xml-reader.js';
import { expectNoCrash, parseJsonReport, ROOT, startCli, tempDir, waitFor } from './harness.js';

/** Holds the CLI bundle's loading open (see test/helpers/slow-bundle.mjs). */
const slowBundle = {
  NODE_OPTIONS: `--import=${pathToFileURL(join(ROOT, 'test', 'helpers', 'slow-bundle.mjs')).href}`,
};
const LOADING = 'test-hook: loading the CLI bundle\n';

let server: TestServer;
let tmp: Awaited<ReturnType<typeof tempDir>>;
const producers: ChildProcess[] = [];

beforeAll(async () => {
  server = await startHttpServer();
  tmp = await tempDir();
});
afterEach(async () => {
  for (const p of producers.splice(0)) {
    if (p.exitCode === null && p.signalCode === null) {
      p.kill('SIGKILL');
      await once(p, 'exit');
    }
  }
});
afterAll(async () => {
  await server.close();
  await tmp.cleanup();
});

/** A FIFO at a fresh path, and a producer that writes `lines` into it and then stays quiet, holding it open. */
async function quietFifo(name: string, lines: string[]): Promise<string> {
  const path = join(tmp.dir, name);
  const made = spawn('mkfifo', [path], { stdio: 'ignore' });
  const [code] = (await once(made, 'exit')) as [number | null];
  expect(code).toBe(0);
  // `exec sleep`: the shell's own process holds the FIFO open; it is killed after the test.
  const producer = spawn('sh', ['-c', 'exec >"$1"; shift; printf "%s\\n" "$@"; exec sleep 120', 'sh', path, ...lines], {
    stdio: 'ignore',
  });
  producers.push(producer);
  return path;
}

describe('a signal while the target file is a quiet FIFO', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s ends the run at once: exit %i, --json and --junit valid', async (signal, code) => {
    const before = server.requests;
    const fifo = await quietFifo(`targets-${signal}`, [`${server.url}/ok?fifo=${signal}`]);
    const junit = join(tmp.dir, `fifo-${signal}.xml`);
    const cli = startCli(['--json', '--junit', junit, fifo]);
    await waitFor(() => server.requests > before, 'the first target to reach the server');
    cli.child.kill(signal);
    const run = await cli.done;
    expectNoCrash(run);
    expect(run.signal, 'the harness had to kill it: it waited for the producer').toBeNull();
    expect(run.code, run.stderr).toBe(code);
    const doc = parseJsonReport(run.stdout);
    expect(doc.results.map((r) => r.index)).toEqual([0]);
    const root = parseXml(await readFile(junit, 'utf8'));
    const suites = root.name === 'testsuites' ? childrenNamed(root, 'testsuite') : [root];
    expect(suites.flatMap((s) => childrenNamed(s, 'testcase'))).toHaveLength(1);
    // The producer is still there: the run did not wait for it.
    expect(producers.at(-1)?.exitCode).toBeNull();
  });

  it('a FIFO with no producer at all: the signal still ends the run with empty, valid reports', async () => {
    const path = join(tmp.dir, 'nobody-writes');
    const made = spawn('mkfifo', [path], { stdio: 'ignore' });
    await once(made, 'exit');
    // Signalled once bin/fetch-many.js has its handlers and loads the CLI, which then still
    // opens the FIFO (a signal before any target was read gives empty reports).
    const cli = startCli(['--json', path], { env: slowBundle });
    await waitFor(() => cli.stderr().includes(LOADING), 'bin/fetch-many.js to start loading the bundle');
    cli.child.kill('SIGTERM');
    const run = await cli.done;
    expectNoCrash(run);
    expect(run.signal).toBeNull();
    expect(run.code, run.stderr).toBe(143);
    expect(parseJsonReport(run.stdout).results).toEqual([]);
  });
});

describe('a signal while --output-dir is being created', () => {
  const slowMkdir = (hold: string) => ({
    NODE_OPTIONS: `--import=${pathToFileURL(join(ROOT, 'test', 'helpers', 'slow-mkdir.mjs')).href}`,
    FETCH_MANY_TEST_MKDIR_HOLD: hold,
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s ends the run at once: exit %i, empty but valid --json and --junit', async (signal, code) => {
    const before = server.requests;
    const out = join(tmp.dir, `held-dir-${signal}`, 'bodies');
    const junit = join(tmp.dir, `held-dir-${signal}.xml`);
    const cli = startCli(['--json', '--junit', junit, '--output-dir', out, `${server.url}/ok?dir=${signal}`], {
      env: slowMkdir(`held-dir-${signal}`),
    });
    await waitFor(() => cli.stderr().includes('test-hook: creating a directory'), 'the directory to be created');
    cli.child.kill(signal);
    const run = await cli.done;
    expectNoCrash(run);
    expect(run.signal, 'the harness had to kill it: it waited for the directory').toBeNull();
    expect(run.code, run.stderr).toBe(code);
    expect(parseJsonReport(run.stdout).results).toEqual([]);
    const root = parseXml(await readFile(junit, 'utf8'));
    expect(root.attrs.tests).toBe('0');
    expect(server.requests).toBe(before);
  });
});

describe('a signal while the --junit report is written into a FIFO', () => {
  async function makeFifo(name: string): Promise<string> {
    const path = join(tmp.dir, name);
    const made = spawn('mkfifo', [path], { stdio: 'ignore' });
    const [code] = (await once(made, 'exit')) as [number | null];
    expect(code).toBe(0);
    return path;
  }

  it('no process reads it: the first signal ends the wait, one line, exit 2 (the report could not be written)', async () => {
    const fifo = await makeFifo('junit-no-reader');
    const cli = startCli(['--ndjson', '--junit', fifo, `${server.url}/ok?junit-fifo=1`]);
    // The result is out: the run is ending, and its JUnit report waits for a reader.
    await waitFor(() => cli.stdout().includes('\n'), 'the result line');
    cli.child.kill('SIGINT');
    const run = await cli.done;
    expectNoCrash(run);
    expect(run.signal, 'the harness had to kill it: it waited for a reader').toBeNull();
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/^fetch-many: cannot write the report: .*no process reads the FIFO \(ENXIO\)\n/m);
  });

  it('a reader that opened it and reads nothing: the second signal exits at once', async () => {
    const fifo = await makeFifo('junit-stuck-reader');
    // Opened, never read: the report (over the 64 KiB a pipe holds) cannot be written whole.
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const n = 400;
      const lines = Array.from({ length: n }, (_, i) => `${server.url}/ok?stuck-reader=${i}`).join('\n');
      const cli = startCli(['--ndjson', '--junit', fifo, '-'], { stdin: lines });
      await waitFor(() => cli.stdout().split('\n').length > n, 'every result line');
      cli.child.kill('SIGINT');
      // Apart: two signals pending at once are one.
      await new Promise((r) => setTimeout(r, 100));
      cli.child.kill('SIGINT');
      const run = await cli.done;
      expectNoCrash(run);
      expect(run.signal, 'the harness had to kill it: the exit waited for a blocked write').toBeNull();
      expect(run.code, run.stderr).toBe(130);
    } finally {
      closeSync(reader);
    }
  });
});
