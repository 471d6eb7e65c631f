/**
 * Issue 22: response bodies crafted against the body checks, through the built CLI.
 * - A body nested 5,000 levels deep (10 KB) with an ordinary `--expect-json '$.a=1'`: the failure
 *   message used to stringify the value recursively, overflow the stack and kill the run (exit 1,
 *   a stack trace, `--json` not a document, the other target lost).
 * - `--expect-match '^(a+)+$'` against bodies of 1 MiB of `a` then `!`: V8's backtracking took
 *   the old 1 s watchdog on each, on the main thread, and healthy targets on another origin whose
 *   responses had arrived were failed as `timeout` when their timers fired after the stall. User
 *   patterns now run on RE2 (linear time), and a pattern RE2 cannot run is a usage error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { response, send, startHttpServer, type TestServer } from '../helpers/servers.js';
import { expectNoCrash, expectUsageError, parseJsonReport, parseNdjson, runCli, tempDir } from './harness.js';

let server: TestServer;
let crafted: TestServer;
const CRAFTED = `${'a'.repeat(1024 * 1024 - 1)}!`;

const DEEP = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;

beforeAll(async () => {
  server = await startHttpServer({
    '/deep': (_req, ctx) => send(ctx.socket, response(200, DEEP, [['Content-Type', 'application/json']])),
    '/flat': (_req, ctx) => send(ctx.socket, response(200, '{"a":1}', [['Content-Type', 'application/json']])),
    '/fast': (_req, ctx) => send(ctx.socket, response(200, 'aaaa')),
  });
  // Another origin: the crafted bodies' pool is not the healthy targets' pool.
  crafted = await startHttpServer({ '/crafted': (_req, ctx) => send(ctx.socket, response(200, CRAFTED)) });
});
afterAll(async () => {
  await server.close();
  await crafted.close();
});

describe('a body nested 5,000 deep with --expect-json (issue 22)', () => {
  it('fails that target with a bounded message; the run and the other target go on', async () => {
    const run = await runCli(['--json', '--expect-json', '$.a=1', `${server.url}/deep`, `${server.url}/flat`]);
    expectNoCrash(run);
    expect(run.code, run.stderr).toBe(1);
    const { results } = parseJsonReport(run.stdout);
    expect(results.map((r) => [r.status, r.ok])).toEqual([
      [200, false],
      [200, true],
    ]);
    const [failure = ''] = results[0]!.failures;
    expect(failure).toMatch(/^json \$\.a is \{"a":\{"a":.*…, not 1$/);
    expect(failure.length).toBeLessThan(120);
  });
});

describe('--expect-match on crafted bodies (issue 22)', () => {
  it('20 crafted bodies among 2,000 fast targets with -t 1s: no healthy target fails', async () => {
    const tmp = await tempDir();
    try {
      const lines: string[] = [];
      for (let i = 0; i < 2000; i++) {
        lines.push(i % 100 === 50 ? `${crafted.url}/crafted?${i}` : `${server.url}/fast?${i}`);
      }
      const list = await tmp.file('targets.txt', `${lines.join('\n')}\n`);
      const run = await runCli(
        ['--ndjson', '-t', '1s', '--max-body-buffer', '2097152', '--expect-match', '^(a+)+$', list],
        { killAfterMs: 120_000 },
      );
      expectNoCrash(run);
      const results = parseNdjson(run.stdout);
      expect(results).toHaveLength(2000);
      const craftedResults = results.filter((r) => r.url?.includes('/crafted'));
      const healthy = results.filter((r) => !r.url?.includes('/crafted'));
      expect(craftedResults).toHaveLength(20);
      const bad = healthy.filter((r) => !r.ok).map((r) => `${r.url}: ${r.error?.code ?? r.failures.join('; ')}`);
      expect(bad).toEqual([]);
      // The crafted ones are answered (RE2 says no), not given up on.
      for (const r of craftedResults) expect([r.status, r.failures]).toEqual([200, ['body does not match /^(a+)+$/']]);
      expect(run.code).toBe(1);
    } finally {
      await tmp.cleanup();
    }
    // A liveness bound for a loaded machine (the run takes a few seconds), not a speed claim.
  }, 120_000);

  it('a pattern RE2 cannot run is a usage error naming it, before any request', async () => {
    for (const pattern of ['(a)\\1', 'x(?=y)', '(?<!x)y']) {
      const run = await runCli(['--expect-match', pattern, `${server.url}/fast`]);
      expectUsageError(run, `--expect-match: ${JSON.stringify(pattern)} cannot be matched in linear time`);
    }
    const json = await runCli(['--expect-json', '$.a={"matches":"(a)\\\\1"}', `${server.url}/flat`]);
    expectUsageError(json, /^fetch-many: --expect-json: .*"\(a\)\\\\1" cannot be matched in linear time/);
  });
});
