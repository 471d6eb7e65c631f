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
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, startSilentServer, type TestServer } from '../helpers/servers.js';
import { childrenNamed, parseXml, type XmlElement } from '../report/xml-reader.js';
import { csvObjects, expectNoCrash, parseJsonReport, parseNdjson, startCli, tempDir, waitFor } from './harness.js';

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
