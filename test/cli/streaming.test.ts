/**
 * Stdin is streamed: a request starts as soon as its line arrives, not when stdin ends. Each
 * test writes the first target, waits until the server has seen that request while stdin is
 * still open, then writes the rest and ends stdin. A CLI that read stdin whole would never send
 * the first request, and the wait would time out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type TestServer } from '../helpers/servers.js';
import { parseJsonReport, parseNdjson, startCli, waitFor } from './harness.js';

let server: TestServer;
const ok = (tag: string): string => `${server.url}/ok?t=${tag}`;
const seen = (tag: string): boolean => server.received.some((r) => r.target === `/ok?t=${tag}`);

beforeAll(async () => {
  server = await startHttpServer();
});
afterAll(() => server.close());

describe('streaming stdin', () => {
  it('starts requests from a newline list before stdin ends', async () => {
    const cli = startCli(['--json', '-'], { openStdin: true });
    cli.child.stdin.write(`# first\n${ok('line-1')}\n`);
    await waitFor(() => seen('line-1'), 'the first request while stdin is open');
    expect(cli.child.stdin.writableEnded).toBe(false);
    cli.child.stdin.end(`${ok('line-2')}\n${ok('line-3')}\n`);
    const run = await cli.done;
    expect(run.code, run.stderr).toBe(0);
    expect(parseJsonReport(run.stdout).results.map((r) => r.url)).toEqual([ok('line-1'), ok('line-2'), ok('line-3')]);
  });

  it('starts requests from JSON lines before stdin ends (implicit stdin)', async () => {
    const cli = startCli(['--json'], { openStdin: true });
    cli.child.stdin.write(`${JSON.stringify({ url: ok('jl-1'), method: 'POST', body: 'x' })}\n`);
    await waitFor(() => seen('jl-1'), 'the first JSON-lines request while stdin is open');
    cli.child.stdin.end(`${JSON.stringify(ok('jl-2'))}\n`);
    const run = await cli.done;
    expect(run.code, run.stderr).toBe(0);
    const { results } = parseJsonReport(run.stdout);
    expect(results.map((r) => [r.url, r.method])).toEqual([
      [ok('jl-1'), 'POST'],
      [ok('jl-2'), 'GET'],
    ]);
  });

  it('a malformed first JSON line does not make stdin be read whole: the next line starts at once', async () => {
    const cli = startCli(['--json'], { openStdin: true });
    cli.child.stdin.write(`{"url": broken}\n${JSON.stringify({ url: ok('after-bad-1') })}\n`);
    await waitFor(() => seen('after-bad-1'), 'the request after a broken first line while stdin is open');
    cli.child.stdin.end(`${JSON.stringify(ok('after-bad-2'))}\n`);
    const run = await cli.done;
    expect(run.code, run.stderr).toBe(1);
    const { results } = parseJsonReport(run.stdout);
    expect(results.map((r) => r.error?.code ?? r.url)).toEqual([
      'invalid_target',
      ok('after-bad-1'),
      ok('after-bad-2'),
    ]);
  });

  it('--ndjson writes the first result while stdin is still open', async () => {
    const cli = startCli(['--ndjson'], { openStdin: true });
    cli.child.stdin.write(`${ok('nd-1')}\n`);
    await waitFor(() => cli.stdout().includes('\n'), 'the first NDJSON line while stdin is open');
    const [first] = parseNdjson(cli.stdout());
    expect(first?.url).toBe(ok('nd-1'));
    expect(first?.ok).toBe(true);
    cli.child.stdin.end(`${ok('nd-2')}\n`);
    const run = await cli.done;
    expect(run.code, run.stderr).toBe(0);
    expect(
      parseNdjson(run.stdout)
        .map((r) => r.index)
        .sort(),
    ).toEqual([0, 1]);
  });
});
