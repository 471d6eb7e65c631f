/**
 * Issue 22: response bodies crafted against the body checks, through the built CLI.
 * - A body nested 5,000 levels deep (10 KB) with an ordinary `--expect-json '$.a=1'`: the failure
 *   message used to stringify the value recursively, overflow the stack and kill the run (exit 1,
 *   a stack trace, `--json` not a document, the other target lost).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { response, send, startHttpServer, type TestServer } from '../helpers/servers.js';
import { expectNoCrash, parseJsonReport, runCli } from './harness.js';

let server: TestServer;

const DEEP = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;

beforeAll(async () => {
  server = await startHttpServer({
    '/deep': (_req, ctx) => send(ctx.socket, response(200, DEEP, [['Content-Type', 'application/json']])),
    '/flat': (_req, ctx) => send(ctx.socket, response(200, '{"a":1}', [['Content-Type', 'application/json']])),
  });
});
afterAll(async () => {
  await server.close();
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
