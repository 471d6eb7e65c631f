/**
 * Interruption as a user causes it: Ctrl-C (SIGINT), a CI runner's SIGTERM, and a reader that
 * goes away (`fetch-many … | head -1`). Results so far must still come out whole and valid,
 * with unfinished targets `cancelled`; the exit code says what happened; nothing crashes.
 *
 * `-c 1` puts the well-behaved target first and alone: once the silent server has seen its
 * request, the first target has finished, so which targets end ok and which cancelled is known.
 * (With `-c 1` a third target would not even be read from the input before the signal; the
 * engine reports only targets it has taken, so these runs use two.)
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, startSilentServer, type TestServer } from '../helpers/servers.js';
import { childrenNamed, parseXml, type XmlElement } from '../report/xml-reader.js';
import {
  csvObjects,
  expectNoCrash,
  parseJsonReport,
  parseNdjson,
  ROOT,
  startCli,
  tempDir,
  waitFor,
} from './harness.js';

let server: TestServer;
let silent: TestServer;
let tmp: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  server = await startHttpServer();
  silent = await startSilentServer();
  tmp = await tempDir();
});
afterAll(async () => {
  await Promise.all([server.close(), silent.close()]);
  await tmp.cleanup();
});

/** ok, then a request the silent server never answers. */
const targets = (): string[] => [`${server.url}/ok`, `${silent.url}/a`];

/** Starts the CLI, waits until the silent server holds a request, then sends `signal`. */
async function interrupt(args: string[], signal: NodeJS.Signals) {
  const before = silent.requests;
  const cli = startCli(['-c', '1', '-t', '60s', '--connect-timeout', '60s', ...args, ...targets()]);
  await waitFor(() => silent.requests > before, 'the silent server to receive a request');
  cli.child.kill(signal);
  const run = await cli.done;
  expectNoCrash(run);
  return run;
}

describe('signals', () => {
  it('SIGINT: exit 130, stdout valid JSON, unfinished targets cancelled', async () => {
    const run = await interrupt(['--json'], 'SIGINT');
    expect(run.code, run.stderr).toBe(130);
    const doc = parseJsonReport(run.stdout);
    expect(doc.results.map((r) => r.index)).toEqual([0, 1]);
    expect(doc.results[0]?.ok).toBe(true);
    expect(doc.results[1]?.error?.code).toBe('cancelled');
    expect(doc.summary.cancelled).toBe(1);
  });

  it('SIGINT: a target waiting for a connection slot is cancelled too', async () => {
    const before = silent.requests;
    // --per-host 1: /a holds the only connection to the silent server, /b waits for it.
    const cli = startCli(['--json', '--per-host', '1', '-t', '60s', `${silent.url}/a`, `${silent.url}/b`]);
    await waitFor(() => silent.requests > before, 'the silent server to receive a request');
    cli.child.kill('SIGINT');
    const run = await cli.done;
    expectNoCrash(run);
    expect(run.code, run.stderr).toBe(130);
    const doc = parseJsonReport(run.stdout);
    expect(doc.results.map((r) => [r.index, r.error?.code])).toEqual([
      [0, 'cancelled'],
      [1, 'cancelled'],
    ]);
  });

  it('SIGTERM: exit 143, every NDJSON line valid', async () => {
    const run = await interrupt(['--ndjson'], 'SIGTERM');
    expect(run.code, run.stderr).toBe(143);
    const results = parseNdjson(run.stdout).sort((a, b) => a.index - b.index);
    expect(results.map((r) => r.error?.code ?? 'ok')).toEqual(['ok', 'cancelled']);
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s with --junit: the XML file is complete and valid', async (signal, code) => {
    const path = `${tmp.dir}/${signal}.xml`;
    const run = await interrupt(['--csv', '--junit', path], signal);
    expect(run.code, run.stderr).toBe(code);
    const root = parseXml(await readFile(path, 'utf8'));
    const suites: XmlElement[] = root.name === 'testsuites' ? childrenNamed(root, 'testsuite') : [root];
    const cases = suites.flatMap((s) => childrenNamed(s, 'testcase'));
    expect(cases).toHaveLength(2);
    expect(cases.map((c) => c.children.some((ch) => ch.name === 'skipped'))).toEqual([false, true]);
    // The CSV on stdout is complete too: header + 2 rows.
    expect(csvObjects(run.stdout).map((r) => r.error_code)).toEqual(['', 'cancelled']);
  });

  it('SIGINT while stdin is still open ends the run (it does not wait for stdin)', async () => {
    const before = silent.requests;
    const cli = startCli(['--json', '-t', '60s'], { openStdin: true });
    cli.child.stdin.write(`${server.url}/ok\n${silent.url}/open-stdin\n`);
    await waitFor(() => silent.requests > before, 'the silent server to receive a request');
    cli.child.kill('SIGINT');
    const run = await cli.done;
    cli.child.stdin.destroy();
    expectNoCrash(run);
    expect(run.code, run.stderr).toBe(130);
    const doc = parseJsonReport(run.stdout);
    expect(doc.results).toHaveLength(2);
    expect(doc.results[1]?.error?.code).toBe('cancelled');
  });
});

describe('a reader that goes away (| head -1)', () => {
  /**
   * Stdin stays open, so the run could go on forever: it can end only because the CLI noticed its
   * reader left. More targets are written after stdout is closed, so output (and EPIPE) follows.
   */
  it.each([
    ['--ndjson', ['--ndjson']],
    ['--csv', ['--csv']],
    ['--json', ['--json']],
    ['the table (it streams too)', []],
  ])('%s: stops the run and exits quietly with 141', async (_label, format) => {
    const cli = startCli([...format, '-'], { openStdin: true });
    cli.child.stdin.write(`${server.url}/ok?t=pipe-first\n`);
    await waitFor(() => cli.stdout().includes('\n'), 'the first line of output');
    cli.child.stdout.destroy();
    for (let i = 0; i < 50; i++) cli.child.stdin.write(`${server.url}/ok?t=pipe-${i}\n`);
    const run = await cli.done;
    cli.child.stdin.destroy();
    expectNoCrash(run);
    expect(run.signal).toBeNull();
    expect(run.code, run.stderr).toBe(141);
    // Quiet: no error, and no summary counting targets the CLI cancelled itself.
    expect(run.stderr).toBe('');
  });

  it('with --junit the run goes on to the end: the file still gets every target', async () => {
    const path = `${tmp.dir}/after-pipe.xml`;
    const cli = startCli(['--ndjson', '--junit', path, '-'], { openStdin: true });
    cli.child.stdin.write(`${server.url}/ok?t=junit-first\n`);
    await waitFor(() => cli.stdout().includes('\n'), 'the first line of output');
    cli.child.stdout.destroy();
    const rest = Array.from({ length: 199 }, (_, i) => `${server.url}/ok?t=junit-${i}`).join('\n');
    cli.child.stdin.end(`${rest}\n`);
    const run = await cli.done;
    expectNoCrash(run);
    expect(run.code, run.stderr).toBe(0);
    const root = parseXml(await readFile(path, 'utf8'));
    const suites: XmlElement[] = root.name === 'testsuites' ? childrenNamed(root, 'testsuite') : [root];
    expect(suites.flatMap((s) => childrenNamed(s, 'testcase'))).toHaveLength(200);
  });
});

/**
 * Issue 12: a signal at any moment, from the bin script's first line to the last byte written,
 * leaves valid, complete-so-far reports and exits 130/143; a second signal exits at once.
 */
describe('signals at any moment', () => {
  /** Holds the CLI bundle's loading open (see test/helpers/slow-bundle.mjs). */
  const slowBundle = {
    NODE_OPTIONS: `--import=${pathToFileURL(join(ROOT, 'test', 'helpers', 'slow-bundle.mjs')).href}`,
  };
  const MARKER = 'test-hook: loading the CLI bundle\n';

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s before the CLI is even loaded: empty but valid --json and JUnit, exit %i', async (signal, code) => {
    const path = join(tmp.dir, `start-${signal}.xml`);
    // stdin stays open and silent: without the signal this run would wait for targets for ever.
    const cli = startCli(['--json', '--junit', path], { openStdin: true, env: slowBundle });
    await waitFor(() => cli.stderr().includes(MARKER), 'bin/fetch-many.js to start loading the bundle');
    cli.child.kill(signal);
    const run = await cli.done;
    cli.child.stdin.destroy();
    expectNoCrash(run);
    expect(run.signal, 'killed by the signal: no handler yet').toBeNull();
    expect(run.code, run.stderr).toBe(code);
    const doc = parseJsonReport(run.stdout);
    expect(doc.results).toEqual([]);
    expect(doc.summary.total).toBe(0);
    const root = parseXml(await readFile(path, 'utf8'));
    expect(root.name).toBe('testsuites');
    expect(root.attrs.tests).toBe('0');
    expect(await strayTempFiles()).toEqual([]);
  });

  it('SIGINT while the final --json drains to a paused reader: the JSON stays valid and whole', async () => {
    const n = 2000;
    const lines = Array.from({ length: n }, (_, i) => `${server.url}/ok?drain=${i}`).join('\n');
    const before = server.requests;
    const cli = startCli(['--json', '-'], { stdin: lines });
    // Nobody reads: the pipe fills and the CLI's last flush waits for 'drain'.
    cli.child.stdout.pause();
    await waitFor(() => server.requests - before >= n, 'every request to reach the server');
    // Let the run end and the final flush start (or, if output pushes back on the run, block it).
    await new Promise((r) => setTimeout(r, 300));
    cli.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 100));
    cli.child.stdout.resume();
    const run = await cli.done;
    expectNoCrash(run);
    expect(run.code, run.stderr).toBe(130);
    const doc = parseJsonReport(run.stdout);
    expect(doc.results.map((r) => r.index)).toEqual(Array.from({ length: doc.results.length }, (_, i) => i));
    expect(doc.summary.total).toBe(doc.results.length);
    expect(doc.results.length).toBeGreaterThan(0);
  });

  it('a second SIGINT exits at once, even while the output is still draining', async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `${server.url}/ok?second=${i}`).join('\n');
    const before = server.requests;
    const cli = startCli(['--json', '-'], { stdin: lines });
    cli.child.stdout.pause();
    await waitFor(() => server.requests - before >= 2000, 'every request to reach the server');
    await new Promise((r) => setTimeout(r, 300));
    const exited = new Promise<number | null>((resolve) => cli.child.once('exit', (c) => resolve(c)));
    cli.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 100));
    cli.child.kill('SIGINT');
    // It exits while its stdout is still not read: it did not wait for the reader.
    expect(await exited).toBe(130);
    cli.child.stdout.resume();
    expectNoCrash(await cli.done);
  });

  /**
   * Runs to the end, then signals (`count` SIGINTs) while the JUnit report is being put in place:
   * a test-only hook (test/helpers/slow-rename.mjs) holds the rename of its complete temp file
   * open. The report path holds a previous report.
   */
  async function signalDuringJUnitWrite(count: number, name: string) {
    const dir = join(tmp.dir, name);
    await mkdir(dir);
    const path = join(dir, 'report.xml');
    await writeFile(path, 'previous report\n');
    const targets = Array.from({ length: 20 }, (_, i) => `${server.url}/ok?junit=${i}`).join('\n');
    const cli = startCli(['-q', '--junit', path, '-'], {
      stdin: targets,
      env: { NODE_OPTIONS: `--import=${pathToFileURL(join(ROOT, 'test', 'helpers', 'slow-rename.mjs')).href}` },
    });
    await waitFor(
      () => cli.stderr().includes('test-hook: renaming a report into place'),
      'the report to be put in place',
    );
    for (let i = 0; i < count; i++) {
      // Apart: two SIGINTs pending at once are one signal.
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      cli.child.kill('SIGINT');
    }
    const run = await cli.done;
    expectNoCrash(run);
    expect(run.signal).toBeNull();
    expect(run.code, run.stderr).toBe(130);
    expect(await readdir(dir)).toEqual(['report.xml']);
    return readFile(path, 'utf8');
  }

  it('SIGINT during the JUnit write: the report is still put in place whole, no temp file left, exit 130', async () => {
    const root = parseXml(await signalDuringJUnitWrite(1, 'junit-once'));
    const suites: XmlElement[] = root.name === 'testsuites' ? childrenNamed(root, 'testsuite') : [root];
    expect(suites.flatMap((s) => childrenNamed(s, 'testcase'))).toHaveLength(20);
    expect(root.attrs.tests).toBe('20');
  });

  it('two SIGINTs during the JUnit write: exit at once, the temp file removed, the previous report untouched', async () => {
    expect(await signalDuringJUnitWrite(2, 'junit-twice')).toBe('previous report\n');
  });
});

/** Temp files of reports this suite's runs left anywhere in its folder. */
async function strayTempFiles(): Promise<string[]> {
  return (await readdir(tmp.dir, { recursive: true })).filter((f) => f.endsWith('.tmp'));
}
