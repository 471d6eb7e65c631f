/**
 * Retries (`retries`, `retryDelay`, `retryMaxDelay`, `retryAllMethods`): what is retried, how long
 * the engine waits (backoff with full jitter, or the server's Retry-After), that a waiting retry
 * holds no concurrency slot and no timeout, and what the result reports. Against local servers,
 * plus the pure delay functions.
 */
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import type { LookupFn } from '../../src/engine/dns/cache.js';
import { backoffDelay, isRetryable, parseRetryAfter, retryWait } from '../../src/engine/retry.js';
import { runTargets } from '../../src/engine/run.js';
import { DEFAULT_EXPECTATION } from '../../src/expect/parse.js';
import type { Result } from '../../src/types.js';
import {
  onRequests,
  rawServer,
  response,
  send,
  startHttpServer,
  startRefusedPort,
  type ResponseHeaders,
  type RouteHandler,
} from '../helpers/servers.js';
import { eventually } from '../helpers/raw-client.js';
import { byIndex, fakeLookup, one, prepare, run } from './harness.js';
import { closeAfterEach } from '../helpers/track.js';

const start = closeAfterEach();

/**
 * Fails the first `failures` requests with `status` (and `headers`), then answers 200 `ok`.
 * Records when each request arrived (performance.now(), server side).
 */
function flaky(
  failures: number,
  status = 503,
  headers: ResponseHeaders = [],
): { route: RouteHandler; arrivals: number[] } {
  const arrivals: number[] = [];
  const route: RouteHandler = (_req, ctx) => {
    arrivals.push(performance.now());
    if (arrivals.length <= failures) send(ctx.socket, response(status, `failure ${arrivals.length}`, headers));
    else send(ctx.socket, response(200, 'ok'));
  };
  return { route, arrivals };
}

describe('what is retried', () => {
  it('a flaky endpoint: 503, 503, then 200 → ok with attempts 3, reporting the last attempt', async () => {
    const f = flaky(2);
    const server = await start(startHttpServer({ '/flaky': f.route }));
    const r = await one(`${server.url}/flaky`, { retries: 3, retryDelay: 10, timeout: 2000 });
    expect(r).toMatchObject({ status: 200, ok: true, error: null, attempts: 3, bytes: 2, failures: [] });
    expect(server.requests).toBe(3);
  });

  it('stops after `retries` extra attempts and reports the last failure', async () => {
    const server = await start(startHttpServer());
    const r = await one(`${server.url}/status/502`, { retries: 2, retryDelay: 5, timeout: 2000 });
    expect([r.status, r.ok, r.attempts]).toEqual([502, false, 3]);
    expect(r.failures.join(' ')).toContain('502');
    expect(server.requests).toBe(3);
  });

  it.each([429, 502, 503, 504])('retries status %i', async (status) => {
    const f = flaky(1, status);
    const server = await start(startHttpServer({ '/f': f.route }));
    const r = await one(`${server.url}/f`, { retries: 1, retryDelay: 5, timeout: 2000 });
    expect([r.status, r.attempts]).toEqual([200, 2]);
  });

  it.each([500, 404, 301])('does not retry status %i', async (status) => {
    const server = await start(startHttpServer());
    const r = await one(`${server.url}/status/${status}`, { retries: 3, retryDelay: 5, timeout: 2000 });
    expect([r.status, r.attempts]).toEqual([status, 1]);
    expect(server.requests).toBe(1);
  });

  it('does not retry by default (retries 0)', async () => {
    const server = await start(startHttpServer());
    const r = await one(`${server.url}/status/503`, { timeout: 2000 });
    expect([r.status, r.attempts]).toEqual([503, 1]);
    expect(server.requests).toBe(1);
  });

  it('does not retry a status the expectation accepts', async () => {
    const server = await start(startHttpServer());
    const r = await one(
      { url: `${server.url}/status/503`, expect: { status: 503 } },
      { retries: 3, retryDelay: 5, timeout: 2000 },
    );
    expect([r.status, r.ok, r.attempts]).toEqual([503, true, 1]);
  });

  it('retries a timeout; each attempt has its own timeout, started when it leaves the queue', async () => {
    let n = 0;
    const server = await start(
      startHttpServer({
        // The first request is never answered; the second is, at once.
        '/once-silent': (_req, ctx) =>
          n++ === 0 ? new Promise<void>(() => {}) : send(ctx.socket, response(200, 'ok')),
      }),
    );
    const r = await one(`${server.url}/once-silent`, { retries: 1, retryDelay: 5, timeout: 200 });
    expect([r.status, r.ok, r.attempts, r.error]).toEqual([200, true, 2, null]);
    // The result is the last attempt's: its clock did not include the first attempt's 200 ms.
    expect(r.timings.total).toBeLessThan(200);
  });

  it('reports the last timeout when every attempt times out', async () => {
    const server = await start(startHttpServer());
    const r = await one(`${server.url}/never`, { retries: 2, retryDelay: 5, timeout: 100 });
    expect(r.error).toMatchObject({ code: 'timeout', phase: 'headers' });
    expect(r.attempts).toBe(3);
    expect(server.requests).toBe(3);
  });

  it('retries a connection closed before any response byte, on a fresh connection', async () => {
    const server = await start(
      rawServer((ctx) =>
        onRequests(ctx, () => {
          // The first connection dies without a word; later ones answer.
          if (ctx.index === 0) ctx.socket.destroy();
          else send(ctx.socket, response(200, 'ok'));
        }),
      ),
    );
    const r = await one(`${server.url}/`, { retries: 2, retryDelay: 5, timeout: 2000 });
    expect([r.status, r.ok, r.attempts, r.reused]).toEqual([200, true, 2, false]);
    expect(server.connections).toBe(2);
  });

  it('retries a refused connection, then reports `refused` with every attempt counted', async () => {
    const port = await startRefusedPort();
    const r = await one(`http://127.0.0.1:${port}/`, { retries: 2, retryDelay: 5, timeout: 2000 });
    expect([r.error?.code, r.attempts]).toEqual(['refused', 3]);
  });

  it('retries a name that did not resolve, asking the resolver again each time', async () => {
    const lookup = fakeLookup({});
    const r = await one('http://nowhere.invalid/', { lookup, retries: 2, retryDelay: 5, timeout: 2000 });
    expect([r.error?.code, r.attempts]).toEqual(['dns', 3]);
    expect(lookup.calls).toEqual(['nowhere.invalid', 'nowhere.invalid', 'nowhere.invalid']);
  });

  it('a resolver that fails once (EAI_AGAIN) then answers: ok on the second attempt', async () => {
    const server = await start(startHttpServer());
    let calls = 0;
    const lookup: LookupFn = (_hostname, callback) => {
      calls++;
      setImmediate(() => {
        if (calls === 1) callback(Object.assign(new Error('getaddrinfo EAI_AGAIN'), { code: 'EAI_AGAIN' }), []);
        else callback(null, [{ address: '127.0.0.1', family: 4 }]);
      });
    };
    const results = byIndex(
      await run([`http://svc.test:${server.port}/ok`, `http://svc.test:${server.port}/ok?2`], {
        lookup,
        retries: 1,
        retryDelay: 5,
        timeout: 2000,
      }),
    );
    expect(results.map((r) => [r.ok, r.attempts])).toEqual([
      [true, 2],
      [true, 2],
    ]);
    // Both waited on the one failed lookup; their retries shared the next one.
    expect(calls).toBe(2);
  });

  it('does not retry POST (not idempotent) unless retryAllMethods', async () => {
    const server = await start(startHttpServer({ '/post': flaky(2).route, '/post-all': flaky(2).route }));
    const results = byIndex(
      await run(
        [
          { url: `${server.url}/post`, method: 'POST', body: 'x' },
          { url: `${server.url}/post-all`, method: 'POST', body: 'x' },
        ],
        { retries: 3, retryDelay: 5, timeout: 2000 },
      ),
    );
    expect(results.map((r) => [r.status, r.attempts])).toEqual([
      [503, 1],
      [503, 1],
    ]);
    const all = await one(
      { url: `${server.url}/post-all`, method: 'POST', body: 'x' },
      { retries: 3, retryDelay: 5, retryAllMethods: true, timeout: 2000 },
    );
    expect([all.status, all.ok, all.attempts]).toEqual([200, true, 2]);
    // The retried POST carried its body again.
    expect(server.received.filter((q) => q.target === '/post-all').map((q) => q.body.toString())).toEqual([
      'x',
      'x',
      'x',
    ]);
  });

  it('retries PUT and DELETE (idempotent, RFC 9110 §9.2.2)', async () => {
    const server = await start(startHttpServer({ '/put': flaky(1).route, '/delete': flaky(1).route }));
    const results = byIndex(
      await run(
        [
          { url: `${server.url}/put`, method: 'PUT', body: 'v' },
          { url: `${server.url}/delete`, method: 'DELETE' },
        ],
        {
          retries: 1,
          retryDelay: 5,
          timeout: 2000,
        },
      ),
    );
    expect(results.map((r) => [r.status, r.attempts])).toEqual([
      [200, 2],
      [200, 2],
    ]);
  });

  it('retries a hop of a redirect chain and keeps the hops already followed', async () => {
    const f = flaky(2);
    const server = await start(
      startHttpServer({
        '/old': (_req, ctx) => send(ctx.socket, response(301, '', [['Location', '/new']])),
        '/new': f.route,
      }),
    );
    const r = await one(`${server.url}/old`, { follow: true, retries: 3, retryDelay: 5, timeout: 2000 });
    expect([r.status, r.ok, r.attempts, r.finalUrl]).toEqual([200, true, 3, `${server.url}/new`]);
    expect(r.redirects).toEqual([{ status: 301, url: `${server.url}/old` }]);
    expect(server.received.map((q) => q.target)).toEqual(['/old', '/new', '/new', '/new']);
  });
});

describe('the wait between attempts', () => {
  it('honours Retry-After in seconds on a 503', async () => {
    const f = flaky(1, 503, [['Retry-After', '1']]);
    const server = await start(startHttpServer({ '/busy': f.route }));
    // The backoff alone would wait at most 1 ms.
    const r = await one(`${server.url}/busy`, { retries: 1, retryDelay: 1, timeout: 2000 });
    expect([r.status, r.attempts]).toEqual([200, 2]);
    expect(f.arrivals[1]! - f.arrivals[0]!).toBeGreaterThanOrEqual(950);
  });

  it('honours Retry-After when bodies go to a sink too (the crawler, sitemaps)', async () => {
    const f = flaky(1, 503, [['Retry-After', '1']]);
    const server = await start(startHttpServer({ '/busy': f.route }));
    const sinks = () => ({ push: () => {}, end: () => {}, abort: () => {} });
    const r = await one(`${server.url}/busy`, { retries: 1, retryDelay: 1, timeout: 2000, bodySinks: sinks });
    expect([r.status, r.attempts]).toEqual([200, 2]);
    expect(f.arrivals[1]! - f.arrivals[0]!).toBeGreaterThanOrEqual(950);
  });

  it('caps Retry-After at retryMaxDelay', async () => {
    const f = flaky(1, 429, [['Retry-After', '3600']]);
    const server = await start(startHttpServer({ '/busy': f.route }));
    const r = await one(`${server.url}/busy`, { retries: 1, retryDelay: 1, retryMaxDelay: 100, timeout: 2000 });
    expect([r.status, r.attempts]).toEqual([200, 2]);
    expect(f.arrivals[1]! - f.arrivals[0]!).toBeLessThan(3000);
  });

  it('a retry waiting for its delay holds no slot: at concurrency 1, another target completes meanwhile', async () => {
    const f = flaky(1, 503, [['Retry-After', '1']]);
    const otherAt: number[] = [];
    const server = await start(
      startHttpServer({
        '/busy': f.route,
        '/other': (_req, ctx) => {
          otherAt.push(performance.now());
          send(ctx.socket, response(200, 'other'));
        },
      }),
    );
    const results = await run([`${server.url}/busy`, `${server.url}/other`], {
      concurrency: 1,
      retries: 1,
      retryDelay: 1,
      timeout: 2000,
    });
    // Completion order: the second target finished while the first waited for its retry.
    expect(results.map((r) => [r.index, r.status, r.attempts])).toEqual([
      [1, 200, 1],
      [0, 200, 2],
    ]);
    // Server side: /other arrived between the two attempts of /busy.
    expect(otherAt[0]!).toBeGreaterThan(f.arrivals[0]!);
    expect(otherAt[0]!).toBeLessThan(f.arrivals[1]!);
  });

  it('the run waits for a pending retry; cancel() reports it as cancelled at once', async () => {
    const f = flaky(5, 503, [['Retry-After', '30']]);
    const server = await start(startHttpServer({ '/busy': f.route }));
    const controller = new AbortController();
    const results: Result[] = [];
    let settled = false;
    const done = runTargets(
      prepare([`${server.url}/busy`, `${server.url}/ok`]),
      { retries: 2, timeout: 2000, signal: controller.signal },
      (r) => {
        results.push(r);
      },
    ).then(() => {
      settled = true;
    });
    await eventually(() => results.length === 1 && f.arrivals.length === 1, 'the other target done, the retry pending');
    // The retry waits 30 s: the run must not end before it.
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);
    controller.abort();
    await done;
    const busy = results.find((r) => r.index === 0);
    expect(busy?.error?.code).toBe('cancelled');
    expect(busy?.attempts).toBe(1);
    expect(busy?.timings.total).toBe(0);
    expect(f.arrivals).toHaveLength(1);
  });
});

describe('delays (pure)', () => {
  it('backoff: full jitter below min(max, base · 2^(attempt-1))', () => {
    expect([1, 2, 3, 4].map((a) => backoffDelay(a, 100, 10_000, () => 0.999999))).toEqual([99, 199, 399, 799]);
    expect(backoffDelay(20, 100, 1000, () => 0.999999)).toBe(999);
    expect(backoffDelay(3, 100, 1000, () => 0)).toBe(0);
    expect(backoffDelay(2, 100, 1000, () => 0.5)).toBe(100);
  });

  it('Retry-After: delay-seconds, an HTTP-date (RFC 9110 §5.6.7), and nonsense', () => {
    const now = Date.parse('Sun, 06 Nov 1994 08:49:37 GMT');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:47 GMT', now)).toBe(10_000);
    // The obsolete formats a recipient must still accept.
    expect(parseRetryAfter('Sunday, 06-Nov-94 08:49:57 GMT', now)).toBe(20_000);
    expect(parseRetryAfter('Sun Nov  6 08:50:37 1994', now)).not.toBeNull();
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:00:00 GMT', now)).toBe(0);
    for (const bad of ['', '-1', '1.5', 'soon', '12abc']) expect(parseRetryAfter(bad, now)).toBeNull();
  });

  it('retryWait: Retry-After only on 429 and 503, capped; otherwise the backoff', () => {
    const half = (): number => 0.5;
    expect(retryWait(1, 503, '2', 100, 30_000, half)).toBe(2000);
    expect(retryWait(1, 429, '60', 100, 5000, half)).toBe(5000);
    expect(retryWait(1, 502, '2', 100, 30_000, half)).toBe(50);
    expect(retryWait(2, 503, 'later', 100, 30_000, half)).toBe(100);
    expect(retryWait(1, null, null, 100, 30_000, half)).toBe(50);
  });

  it('isRetryable: dns, connection errors and timeouts, not tls/protocol/proxy; statuses only when not expected', () => {
    const base: Result = {
      index: 0,
      input: 'x',
      url: 'http://x/',
      method: 'GET',
      status: null,
      ok: false,
      bytes: 0,
      timings: { dns: null, connect: null, tls: null, firstByte: null, total: 0 },
      reused: false,
      httpVersion: null,
      error: null,
      failures: [],
      attempts: 1,
      redirects: [],
      finalUrl: 'http://x/',
      remoteAddress: null,
      tls: null,
      decodedBytes: null,
      savedTo: null,
    };
    const withError = (code: NonNullable<Result['error']>['code']): Result => ({
      ...base,
      error: { code, message: '' },
    });
    for (const code of ['dns', 'refused', 'reset', 'connect', 'truncated', 'timeout'] as const) {
      expect(isRetryable(withError(code), DEFAULT_EXPECTATION)).toBe(true);
    }
    for (const code of ['tls', 'protocol', 'too_large', 'cancelled', 'too_many_redirects', 'proxy'] as const) {
      expect(isRetryable(withError(code), DEFAULT_EXPECTATION)).toBe(false);
    }
    expect(isRetryable({ ...base, status: 503 }, DEFAULT_EXPECTATION)).toBe(true);
    expect(isRetryable({ ...base, status: 500 }, DEFAULT_EXPECTATION)).toBe(false);
    expect(isRetryable({ ...base, status: 503 }, { status: [[500, 599]], statusText: '5xx' })).toBe(false);
  });
});
