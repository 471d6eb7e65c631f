/**
 * Issue 6 "done when", as a new user tries it from the shell, at `-c 100`: a redirect chain with
 * `-L`, a flaky endpoint that succeeds on the third try with `--retries 3`, a 429 with
 * Retry-After, and `--rate 50/s` held within 10 % over a few seconds — all against local servers,
 * every request counted server side.
 */
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { response, send, startHttpServer, type RouteHandler, type TestServer } from '../helpers/servers.js';
import { expectNoCrash, parseNdjson, runCli } from './harness.js';

let a: TestServer;
let b: TestServer;
/** Requests per `i` query value, for the endpoints that change their answer on later tries. */
const tries = new Map<string, number>();
/** Arrival times at /paced, server side. */
const paced: number[] = [];
/** Arrival times at /limited per `i`. */
const limited = new Map<string, number[]>();

function tryNumber(target: string): { key: string; n: number } {
  const key = target;
  const n = (tries.get(key) ?? 0) + 1;
  tries.set(key, n);
  return { key, n };
}

beforeAll(async () => {
  const routes: Record<string, RouteHandler> = {
    // -L: /start → 301 → other origin /mid → 302 → back to /final.
    '/start': (req, ctx) =>
      send(ctx.socket, response(301, '', [['Location', `${b.url}/mid?${req.target.split('?')[1] ?? ''}`]])),
    '/final': (_req, ctx) => send(ctx.socket, response(200, 'final')),
    // Fails twice (503, then 502), succeeds on the third try.
    '/flaky': (req, ctx) => {
      const { n } = tryNumber(`flaky ${req.target}`);
      if (n <= 2) send(ctx.socket, response(n === 1 ? 503 : 502, 'not yet'));
      else send(ctx.socket, response(200, 'third time'));
    },
    // 429 with Retry-After: 1 on the first try.
    '/limited': (req, ctx) => {
      const { n } = tryNumber(`limited ${req.target}`);
      const times = limited.get(req.target) ?? [];
      times.push(performance.now());
      limited.set(req.target, times);
      if (n === 1) send(ctx.socket, response(429, 'slow down', [['Retry-After', '1']]));
      else send(ctx.socket, response(200, 'ok'));
    },
    '/paced': (_req, ctx) => {
      paced.push(performance.now());
      send(ctx.socket, response(200, 'ok'));
    },
  };
  a = await startHttpServer(routes);
  b = await startHttpServer({
    '/mid': (req, ctx) =>
      send(ctx.socket, response(302, '', [['Location', `${a.url}/final?${req.target.split('?')[1] ?? ''}`]])),
  });
});
afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
});

const urls = (n: number, path: string): string[] => Array.from({ length: n }, (_, i) => `${a.url}${path}?i=${i}`);

describe('-L / --follow', () => {
  it('follows a 301 → 302 → 200 chain across two origins for 100 targets at once', async () => {
    const run = await runCli(['-c', '100', '--per-host', '100', '-L', '--ndjson', ...urls(100, '/start')]);
    expect(run.code, run.stderr).toBe(0);
    expectNoCrash(run);
    const results = parseNdjson(run.stdout);
    expect(results).toHaveLength(100);
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(r.url).toBe(`${a.url}/start?i=${r.index}`);
      expect(r.finalUrl).toBe(`${a.url}/final?i=${r.index}`);
      expect(r.redirects).toEqual([
        { status: 301, url: `${a.url}/start?i=${r.index}` },
        { status: 302, url: `${b.url}/mid?i=${r.index}` },
      ]);
    }
  });

  it('without -L reports the 301; --max-redirects 1 stops the chain with too_many_redirects (exit 1)', async () => {
    const plain = await runCli(['--ndjson', `${a.url}/start?i=x`]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(parseNdjson(plain.stdout).map((r) => [r.status, r.redirects.length])).toEqual([[301, 0]]);

    const capped = await runCli(['-L', '--max-redirects', '1', '--ndjson', `${a.url}/start?i=y`]);
    expect(capped.code).toBe(1);
    const [r] = parseNdjson(capped.stdout);
    expect([r?.status, r?.error?.code, r?.redirects.length]).toEqual([302, 'too_many_redirects', 1]);
  });
});

describe('--retries', () => {
  it('a flaky endpoint that succeeds on the third try: ok with attempts 3, for 100 targets at once', async () => {
    const run = await runCli([
      '-c',
      '100',
      '--per-host',
      '100',
      '--retries',
      '3',
      '--retry-delay',
      '20ms',
      '--ndjson',
      ...urls(100, '/flaky'),
    ]);
    expect(run.code, run.stderr).toBe(0);
    const results = parseNdjson(run.stdout);
    expect(results).toHaveLength(100);
    for (const r of results) expect([r.status, r.ok, r.attempts]).toEqual([200, true, 3]);
  });

  it('without --retries the first failure is the result (exit 1)', async () => {
    const run = await runCli(['--ndjson', `${a.url}/flaky?i=solo`]);
    expect(run.code).toBe(1);
    expect(parseNdjson(run.stdout).map((r) => [r.status, r.attempts])).toEqual([[503, 1]]);
  });

  it('a 429 with Retry-After: 1 is retried after the second it asked for', async () => {
    const targets = urls(100, '/limited');
    const run = await runCli([
      '-c',
      '100',
      '--per-host',
      '100',
      '--retries',
      '2',
      '--retry-delay',
      '1ms',
      '--ndjson',
      ...targets,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const results = parseNdjson(run.stdout);
    for (const r of results) expect([r.status, r.attempts]).toEqual([200, 2]);
    for (const target of targets) {
      const times = limited.get(new URL(target).pathname + new URL(target).search) ?? [];
      expect(times).toHaveLength(2);
      expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(950);
    }
  });
});

describe('--rate', () => {
  it('holds 50/s within 10 % over 3 s at -c 100, counted server side', async () => {
    paced.length = 0;
    const run = await runCli(['-c', '100', '--rate', '50/s', '--ndjson', ...urls(170, '/paced')], {
      killAfterMs: 20_000,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(parseNdjson(run.stdout)).toHaveLength(170);
    const first = paced[0]!;
    const inWindow = paced.filter((t) => t >= first && t < first + 3000).length;
    expect(inWindow).toBeGreaterThanOrEqual(135);
    expect(inWindow).toBeLessThanOrEqual(165);
  });

  it('--rate 600/m is the same pace as 10/s', async () => {
    paced.length = 0;
    const run = await runCli(['-c', '100', '--rate', '600/m', '--ndjson', ...urls(13, '/paced')]);
    expect(run.code, run.stderr).toBe(0);
    // 13 starts at 10/s, one every 100 ms: ~1.2 s from the first to the last.
    expect(paced[12]! - paced[0]!).toBeGreaterThanOrEqual(900);
  });
});
