/**
 * Exit codes as a CI job sees them: 0 when every target is ok, 1 when any failed (bad status,
 * refused, timeout, a failed expectation), 2 for usage errors (see bad-input.test.ts). Plus the
 * expectations that decide "ok" (`--expect`, per-target `expect`) and `--quiet`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, startRefusedPort, startSilentServer, type TestServer } from '../helpers/servers.js';
import { expectNoCrash, parseJsonReport, parseNdjson, runCli, tempDir } from './harness.js';

let server: TestServer;
let silent: TestServer;
let refusedPort: number;
let tmp: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  server = await startHttpServer();
  silent = await startSilentServer();
  refusedPort = await startRefusedPort();
  tmp = await tempDir();
});
afterAll(async () => {
  await Promise.all([server.close(), silent.close()]);
  await tmp.cleanup();
});

describe('exit codes', () => {
  it('0 when every target is ok', async () => {
    const run = await runCli(['--ndjson', `${server.url}/ok`, `${server.url}/status/204`, `${server.url}/status/301`]);
    expect(run.code, run.stderr).toBe(0);
    expect(parseNdjson(run.stdout).every((r) => r.ok)).toBe(true);
  });

  it.each([
    ['a 404', () => `${server.url}/status/404`, null],
    ['a 500', () => `${server.url}/status/500`, null],
    ['a refused connection', () => `http://127.0.0.1:${refusedPort}/`, 'refused'],
    ['a timeout', () => `${silent.url}/`, 'timeout'],
  ])('1 when one target fails with %s, and the others still run', async (_what, failing, code) => {
    const run = await runCli([
      '--json',
      '-t',
      '300ms',
      `${server.url}/ok?t=before`,
      failing(),
      `${server.url}/ok?t=after`,
    ]);
    expect(run.code, run.stderr).toBe(1);
    expectNoCrash(run);
    const { results } = parseJsonReport(run.stdout);
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    expect(results[1]?.error?.code ?? null).toBe(code);
  });
});

describe('--expect', () => {
  it('makes a 404 ok, and a 200 not ok', async () => {
    const ok404 = await runCli(['--expect', '404', '--ndjson', `${server.url}/status/404`]);
    expect(ok404.code, ok404.stderr).toBe(0);
    expect(parseNdjson(ok404.stdout)[0]?.ok).toBe(true);

    const fail200 = await runCli(['--expect', '404', '--ndjson', `${server.url}/ok`]);
    expect(fail200.code).toBe(1);
    const [r] = parseNdjson(fail200.stdout);
    expect(r?.status).toBe(200);
    expect(r?.failures.join(' ')).toContain('404');
  });

  it('accepts lists, ranges and classes', async () => {
    const run = await runCli([
      '--expect',
      '200,3xx,400-404',
      '--json',
      `${server.url}/ok`,
      `${server.url}/status/302`,
      `${server.url}/status/404`,
      `${server.url}/status/405`,
    ]);
    expect(run.code).toBe(1);
    expect(parseJsonReport(run.stdout).results.map((r) => r.ok)).toEqual([true, true, true, false]);
  });
});

describe('per-target expect in JSON', () => {
  it('checks status, maxTime, bodyIncludes and header, one failure each', async () => {
    const targets = [
      { url: `${server.url}/status/404`, expect: { status: 404 } },
      { url: `${server.url}/status/404`, expect: { status: '200-299' } },
      // The server waits 500 ms before answering, so a 100 ms limit cannot hold.
      { url: `${server.url}/slow/500`, expect: { maxTime: '100ms' } },
      { url: `${server.url}/ok`, expect: { maxTime: '30s' } },
      { url: `${server.url}/ok`, expect: { bodyIncludes: 'ok' } },
      { url: `${server.url}/ok`, expect: { bodyIncludes: 'nope' } },
      { url: `${server.url}/ok`, expect: { header: { 'content-type': 'text/plain' } } },
      { url: `${server.url}/ok`, expect: { header: { 'Content-Type': 'text/html' } } },
      { url: `${server.url}/ok`, expect: { header: { 'X-Missing': 'x' } } },
    ];
    const file = await tmp.file('expect.json', JSON.stringify(targets));
    const run = await runCli(['--json', file]);
    expect(run.code, run.stderr).toBe(1);
    const { results } = parseJsonReport(run.stdout);
    expect(results.map((r) => r.ok)).toEqual([true, false, false, true, true, false, true, false, false]);
    for (const r of results) {
      expect(r.error).toBeNull();
      expect(r.failures).toHaveLength(r.ok ? 0 : 1);
    }
  });

  it("a target's own expect wins over --expect", async () => {
    const file = await tmp.file(
      'own.json',
      JSON.stringify([{ url: `${server.url}/ok`, expect: { status: 200 } }, `${server.url}/status/404`]),
    );
    const run = await runCli(['--expect', '404', '--json', file]);
    expect(run.code, run.stderr).toBe(0);
    expect(parseJsonReport(run.stdout).results.map((r) => r.status)).toEqual([200, 404]);
  });
});

describe('--quiet', () => {
  it('prints nothing at all when every target is ok', async () => {
    for (const format of [[], ['--json'], ['--ndjson'], ['--csv']]) {
      const run = await runCli(['-q', ...format, `${server.url}/ok`]);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe('');
    }
  });

  it('prints only the reason on failure: one line on stderr, nothing on stdout', async () => {
    const run = await runCli(['--quiet', `${server.url}/ok`, `${server.url}/status/404`]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^fetch-many: .*1 of 2/);
  });

  it('still writes the --junit file', async () => {
    const path = `${tmp.dir}/quiet.xml`;
    const run = await runCli(['-q', '--junit', path, `${server.url}/ok`]);
    expect(run.code).toBe(0);
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(path, 'utf8')).toContain('<testcase');
  });
});
