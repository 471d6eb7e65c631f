/**
 * The engine against well-behaved local servers: what a result says, what goes on the wire,
 * the concurrency and per-host limits, keep-alive reuse, timeouts that start when a request
 * leaves the queue, DNS through an injected resolver, and cancellation.
 */
import type { LookupAddress } from 'node:dns';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { defaultConnector, type Connector } from '../../src/engine/net/connector.js';
import type { LookupFn } from '../../src/engine/dns/cache.js';
import { runTargets } from '../../src/engine/run.js';
import type { PreparedTarget, Result, Target } from '../../src/types.js';
import { VERSION } from '../../src/version.js';
import {
  onRequests,
  rawServer,
  response,
  send,
  startHttpServer,
  type RouteHandler,
  type Routes,
  type ServerRequest,
  type TestServer,
} from '../helpers/servers.js';
import { prepareTarget } from '../../src/targets/index.js';
import { eventually } from '../helpers/raw-client.js';
import { byIndex, fakeLookup, indexesOnce, one, prepare, run } from './harness.js';
import { closeAfterEach } from '../helpers/track.js';

const start = closeAfterEach();

/** Every header named `name` (any case) the server received in `req`. */
function all(req: ServerRequest | undefined, name: string): string[] {
  return (req?.headers ?? []).filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
}

/**
 * Counts requests in flight on the server side (shared by every server it is routed on), holding
 * each for `holdMs` so that several overlap if the engine lets them.
 */
function inFlightCounter(holdMs = 30, close = false): { route: RouteHandler; readonly max: number } {
  let current = 0;
  let max = 0;
  const route: RouteHandler = (_req, ctx) =>
    new Promise<void>((done) => {
      current++;
      max = Math.max(max, current);
      ctx.later(holdMs, () => {
        // Decrement before answering: the next request may arrive before `done` runs.
        current--;
        send(ctx.socket, response(200, 'held', close ? [['Connection', 'close']] : []));
        done();
      });
    });
  return {
    route,
    get max() {
      return max;
    },
  };
}

/** A keep-alive server answering every request with `bytes`, never closing on its own. */
function stubbornServer(bytes: Buffer): Promise<TestServer> {
  return rawServer((ctx) => onRequests(ctx, () => send(ctx.socket, bytes)));
}

describe('a plain 200', () => {
  it('fills status, bytes, ok and every timing that happened', async () => {
    const server = await start(startHttpServer());
    const r = await one(`${server.url}/ok`, { timeout: 2000 });
    expect(r).toMatchObject({
      index: 0,
      input: `${server.url}/ok`,
      url: `${server.url}/ok`,
      method: 'GET',
      status: 200,
      ok: true,
      bytes: 2,
      reused: false,
      error: null,
      failures: [],
    });
    // An IP literal is not resolved; plain http has no TLS.
    expect(r.timings.dns).toBeNull();
    expect(r.timings.tls).toBeNull();
    expect(r.timings.connect).toBeTypeOf('number');
    expect(r.timings.firstByte).toBeTypeOf('number');
    // The first byte cannot come before the connection was made, nor the end before the first byte.
    expect(r.timings.firstByte!).toBeGreaterThanOrEqual(r.timings.connect!);
    expect(r.timings.total).toBeGreaterThanOrEqual(r.timings.firstByte!);
  });

  it('counts body bytes of a large Content-Length body and of a chunked body without framing', async () => {
    const server = await start(startHttpServer());
    const results = byIndex(await run([`${server.url}/bytes/300000`, `${server.url}/chunked/1001`], { timeout: 2000 }));
    expect(results.map((r) => [r.status, r.bytes, r.error])).toEqual([
      [200, 300000, null],
      [200, 1001, null],
    ]);
  });

  it('reads no body after HEAD even with Content-Length, and the connection stays usable', async () => {
    const server = await start(startHttpServer());
    const results = byIndex(
      await run([{ url: `${server.url}/bytes/500`, method: 'HEAD' }, `${server.url}/ok`], {
        concurrency: 1,
        timeout: 2000,
      }),
    );
    expect(results.map((r) => [r.method, r.status, r.bytes, r.ok])).toEqual([
      ['HEAD', 200, 0, true],
      ['GET', 200, 2, true],
    ]);
    // Had the engine waited for 500 body bytes, the GET would have timed out; had it mis-framed,
    // it would not have been reused.
    expect(results[1]!.reused).toBe(true);
    expect(server.connections).toBe(1);
  });

  it('treats 204 and 304 as bodiless and reuses the connection after them', async () => {
    const server = await start(startHttpServer());
    const results = byIndex(
      await run([`${server.url}/status/204`, `${server.url}/status/304`, `${server.url}/ok`], {
        concurrency: 1,
        timeout: 2000,
      }),
    );
    expect(results.map((r) => [r.status, r.bytes, r.error])).toEqual([
      [204, 0, null],
      [304, 0, null],
      [200, 2, null],
    ]);
    expect(results.map((r) => r.reused)).toEqual([false, true, true]);
    expect(server.connections).toBe(1);
  });

  it('skips a 1xx interim response and reports the final status', async () => {
    const server = await start(startHttpServer());
    const r = await one(`${server.url}/status/103`, { timeout: 2000 });
    expect([r.status, r.bytes, r.ok]).toEqual([200, 2, true]);
  });

  it('reports a status outside the expectation as a failure, not an error', async () => {
    const server = await start(startHttpServer());
    const r = await one(`${server.url}/status/503`, { timeout: 2000 });
    expect(r.status).toBe(503);
    expect(r.error).toBeNull();
    expect(r.ok).toBe(false);
    expect(r.failures).toHaveLength(1);
  });
});

describe('the request on the wire', () => {
  it('sends a POST body with its Content-Length', async () => {
    const server = await start(startHttpServer());
    const body = 'name=fetch-many&ü=1';
    const r = await one({ url: `${server.url}/echo`, method: 'POST', body }, { timeout: 2000 });
    expect(r.status).toBe(200);
    const req = server.received[0];
    expect(req?.method).toBe('POST');
    expect(all(req, 'content-length')).toEqual([String(Buffer.byteLength(body))]);
    expect(req?.body.toString('utf8')).toBe(body);
    // The echo is the request as received: head + body.
    expect(r.bytes).toBe(req!.head.length + Buffer.byteLength(body));
  });

  it('sends Content-Length: 0 on a POST without a body, so the server does not wait for one', async () => {
    const server = await start(startHttpServer());
    const r = await one({ url: `${server.url}/echo`, method: 'POST' }, { timeout: 2000 });
    expect(r.ok).toBe(true);
    expect(all(server.received[0], 'content-length')).toEqual(['0']);
  });

  it('sends Host with the non-default port and User-Agent fetch-many/<version>', async () => {
    const server = await start(startHttpServer());
    await run([`${server.url}/ok?x=1`], { timeout: 2000 });
    const req = server.received[0];
    expect(req?.target).toBe('/ok?x=1');
    expect(req?.version).toBe('HTTP/1.1');
    expect(all(req, 'host')).toEqual([`127.0.0.1:${server.port}`]);
    expect(all(req, 'user-agent')).toEqual([`fetch-many/${VERSION}`]);
  });

  it('leaves the default port out of Host, and brackets an IPv6 literal (RFC 9110 §7.2)', async () => {
    const server = await start(startHttpServer());
    // Whatever address and port a target names, connect to the test server: the Host header is
    // built from the target, not from where the socket went.
    const connector: Connector = {
      tcp: () => defaultConnector.tcp('127.0.0.1', 4, server.port),
      tls: defaultConnector.tls,
    };
    await run(['http://127.0.0.1/a', 'http://[::1]:8080/b', 'http://[::1]/c'], {
      connector,
      concurrency: 1,
      timeout: 2000,
    });
    const hosts = [...server.received].sort((a, b) => a.target.localeCompare(b.target)).map((r) => all(r, 'host'));
    expect(hosts).toEqual([['127.0.0.1'], ['[::1]:8080'], ['[::1]']]);
  });

  it('uses the userAgent option', async () => {
    const server = await start(startHttpServer());
    await run([`${server.url}/ok`], { timeout: 2000, userAgent: 'probe/9' });
    expect(all(server.received[0], 'user-agent')).toEqual(['probe/9']);
  });

  it("lets the user's headers replace Host and User-Agent, sending each once", async () => {
    const server = await start(startHttpServer());
    await run(
      [{ url: `${server.url}/ok`, headers: { host: 'example.test', 'User-Agent': 'mine/1', 'X-Extra': 'yes' } }],
      {
        timeout: 2000,
      },
    );
    const req = server.received[0];
    expect(all(req, 'host')).toEqual(['example.test']);
    expect(all(req, 'user-agent')).toEqual(['mine/1']);
    expect(all(req, 'x-extra')).toEqual(['yes']);
  });

  it('computes Content-Length itself even if a Content-Length header reaches the engine', async () => {
    const server = await start(startHttpServer());
    // The target validator refuses this header; the request writer must not trust that alone.
    const target = prepare([{ url: `${server.url}/echo`, method: 'PUT', body: 'abc' }])[0] as Target;
    const results: Result[] = [];
    await runTargets([{ ...target, headers: [['Content-Length', '99']] }], { timeout: 2000 }, (r) => {
      results.push(r);
    });
    expect(results[0]?.ok).toBe(true);
    expect(all(server.received[0], 'content-length')).toEqual(['3']);
  });
});

describe('results', () => {
  it('come in completion order, each index once; invalid targets become results while others run', async () => {
    let earlyAnswered: () => void = () => {};
    const early = new Promise<void>((resolve) => (earlyAnswered = resolve));
    const routes: Routes = {
      // Answers only after /early has been answered, so the completion order is fixed.
      '/late': (_req, ctx) => early.then(() => send(ctx.socket, response(200, 'late'))),
      '/early': (_req, ctx) => {
        send(ctx.socket, response(200, 'early'));
        earlyAnswered();
      },
    };
    const server = await start(startHttpServer(routes));
    const results = await run(
      [`${server.url}/late`, 'ftp://nope/', `${server.url}/early`, { url: `${server.url}/ok`, method: 'GE T' }],
      { timeout: 2000 },
    );
    expect(indexesOnce(results, 4)).toBe(true);
    const order = results.map((r) => r.index);
    expect(order.indexOf(2)).toBeLessThan(order.indexOf(0));
    const invalid = byIndex(results).filter((r) => r.error?.code === 'invalid_target');
    expect(invalid.map((r) => r.index)).toEqual([1, 3]);
    for (const r of invalid) {
      expect(r.url).toBeNull();
      expect(r.status).toBeNull();
      expect(r.ok).toBe(false);
    }
    expect(byIndex(results).map((r) => r.status)).toEqual([200, null, 200, null]);
    // Invalid targets never reach the server.
    expect(server.requests).toBe(2);
  });

  it('has one result per target on a longer list', async () => {
    const server = await start(startHttpServer());
    const inputs = Array.from({ length: 100 }, (_, i) => `${server.url}/bytes/${i}`);
    const results = await run(inputs, { concurrency: 7, perHost: 3, timeout: 5000 });
    expect(indexesOnce(results, 100)).toBe(true);
    for (const r of results) expect([r.ok, r.bytes]).toEqual([true, r.index]);
  });
});

describe('a source that holds targets (takeNow, engine/source.ts)', () => {
  it('takes held targets in plain calls, awaits next() only when none is held, and keeps the limits', async () => {
    const server = await start(startHttpServer());
    const targets = prepare(Array.from({ length: 30 }, (_, i) => `${server.url}/bytes/${i}`));
    let at = 0;
    const calls = { takeNow: 0, next: 0 };
    // Holds ten targets at a time, as a chunk of stdin lines would; next() "reads" the next ten.
    let held = 0;
    const source = {
      [Symbol.asyncIterator]() {
        return this;
      },
      takeNow(): PreparedTarget | undefined {
        calls.takeNow++;
        if (held === 0) return undefined;
        held--;
        return targets[at++];
      },
      async next(): Promise<IteratorResult<PreparedTarget>> {
        calls.next++;
        await new Promise((resolve) => setImmediate(resolve));
        if (at >= targets.length) return { done: true, value: undefined };
        held = 9;
        return { done: false, value: targets[at++]! };
      },
    };
    const results: Result[] = [];
    await runTargets(source, { concurrency: 4, perHost: 4, timeout: 5000 }, (r) => results.push(r));
    expect(indexesOnce(results, 30)).toBe(true);
    for (const r of results) expect([r.ok, r.bytes]).toEqual([true, r.index]);
    // Three "reads" and the one that said done: every other target came through takeNow.
    expect(calls.next).toBe(4);
    expect(calls.takeNow).toBeGreaterThanOrEqual(27);
  });
});

describe('limits', () => {
  it('never has more than `concurrency` requests in flight across origins', async () => {
    const counter = inFlightCounter();
    const servers = await Promise.all(
      Array.from({ length: 4 }, () => start(startHttpServer({ '/hold': counter.route }))),
    );
    const inputs = servers.flatMap((s) => Array.from({ length: 6 }, () => `${s.url}/hold`));
    const results = await run(inputs, { concurrency: 3, perHost: 6, timeout: 5000 });
    expect(results.every((r) => r.ok)).toBe(true);
    expect(counter.max).toBe(3);
  });

  it('keeps to `concurrency` when targets wait for their origin and connections close', async () => {
    // perHost 1 and two targets per origin in a row: the second waits in its pool. Each response
    // closes its connection, freeing the origin's slot at the moment the run's slot frees: only
    // one of the waiting target and the next one from the source may take it.
    const counter = inFlightCounter(20, true);
    const servers = await Promise.all(
      Array.from({ length: 4 }, () => start(startHttpServer({ '/hold': counter.route }))),
    );
    const inputs: string[] = [];
    for (let round = 0; round < 4; round++) for (const s of servers) inputs.push(`${s.url}/hold`, `${s.url}/hold`);
    const results = await run(inputs, { concurrency: 2, perHost: 1, timeout: 5000 });
    expect(indexesOnce(results, inputs.length)).toBe(true);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(counter.max).toBe(2);
  });

  it('never has more than `perHost` connections or requests at once to one origin', async () => {
    const counter = inFlightCounter();
    const server = await start(startHttpServer({ '/hold': counter.route }));
    const results = await run(
      Array.from({ length: 12 }, () => `${server.url}/hold`),
      {
        concurrency: 10,
        perHost: 2,
        timeout: 5000,
      },
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(counter.max).toBe(2);
    expect(server.connections).toBeLessThanOrEqual(2);
  });
});

describe('keep-alive', () => {
  it('reuses connections: 20 targets over at most perHost connections', async () => {
    const server = await start(startHttpServer());
    const results = await run(
      Array.from({ length: 20 }, () => `${server.url}/ok`),
      { concurrency: 4, perHost: 2, timeout: 2000 },
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(server.connections).toBeLessThanOrEqual(2);
    const reused = results.filter((r) => r.reused);
    expect(reused.length).toBe(20 - server.connections);
    // oha's rule: a reused connection has no connection phases.
    for (const r of reused) expect([r.timings.dns, r.timings.connect, r.timings.tls]).toEqual([null, null, null]);
    for (const r of results.filter((x) => !x.reused)) expect(r.timings.connect).toBeTypeOf('number');
    // Every result that reused a connection started after some earlier one completed.
    const firstReuse = results.findIndex((r) => r.reused);
    expect(firstReuse).toBeGreaterThan(0);
  });

  it('does not reuse after a response with Connection: close, even if the server keeps the socket open', async () => {
    const server = await start(stubbornServer(response(200, 'bye', [['Connection', 'close']])));
    const results = byIndex(await run([`${server.url}/a`, `${server.url}/b`], { concurrency: 1, timeout: 2000 }));
    expect(results.map((r) => [r.ok, r.reused])).toEqual([
      [true, false],
      [true, false],
    ]);
    expect(server.connections).toBe(2);
  });

  it('does not reuse after the built-in /close route', async () => {
    const server = await start(startHttpServer());
    const results = byIndex(await run([`${server.url}/close`, `${server.url}/ok`], { concurrency: 1, timeout: 2000 }));
    expect(results.map((r) => [r.ok, r.reused])).toEqual([
      [true, false],
      [true, false],
    ]);
    expect(server.connections).toBe(2);
  });

  it("does not reuse after the user's own Connection: close request header", async () => {
    const server = await start(stubbornServer(response(200, 'ok')));
    const results = byIndex(
      await run([{ url: `${server.url}/a`, headers: { Connection: 'close' } }, `${server.url}/b`], {
        concurrency: 1,
        timeout: 2000,
      }),
    );
    expect(results.map((r) => [r.ok, r.reused])).toEqual([
      [true, false],
      [true, false],
    ]);
    expect(server.connections).toBe(2);
    expect(all(server.received[0], 'connection')).toEqual(['close']);
  });

  it('does not reuse a connection after an error on it', async () => {
    let n = 0;
    // First request: a malformed Content-Length (protocol error); later ones: a fine 200.
    const server = await start(
      rawServer((ctx) =>
        onRequests(ctx, () =>
          send(ctx.socket, n++ === 0 ? 'HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n' : response(200, 'ok')),
        ),
      ),
    );
    const results = byIndex(await run([`${server.url}/a`, `${server.url}/b`], { concurrency: 1, timeout: 2000 }));
    expect(results[0]!.error?.code).toBe('protocol');
    expect([results[1]!.ok, results[1]!.reused]).toEqual([true, false]);
    expect(server.connections).toBe(2);
  });

  it('does not reuse a connection after a timeout on it', async () => {
    const server = await start(startHttpServer());
    const results = byIndex(
      await run([{ url: `${server.url}/never`, timeout: '150ms' }, `${server.url}/ok`], {
        concurrency: 1,
        timeout: 2000,
      }),
    );
    expect(results[0]!.error).toMatchObject({ code: 'timeout', phase: 'headers' });
    expect([results[1]!.ok, results[1]!.reused]).toEqual([true, false]);
    expect(server.connections).toBe(2);
  });
});

describe('timeouts', () => {
  it('starts a timeout when the request leaves the queue, not while it waits', async () => {
    const server = await start(startHttpServer());
    // concurrency 1: the second target waits in the queue for the whole 300 ms of the first.
    const results = byIndex(
      await run([`${server.url}/slow/400`, `${server.url}/ok`], { concurrency: 1, timeout: 300 }),
    );
    expect(results[0]!.error).toMatchObject({ code: 'timeout', phase: 'headers' });
    expect(results[0]!.timings.total).toBeGreaterThanOrEqual(300);
    expect(results[0]!.timings.total).toBeLessThan(1300);
    expect(results[1]!.error).toBeNull();
    expect(results[1]!.ok).toBe(true);
    // Its clock started when it left the queue.
    expect(results[1]!.timings.total).toBeLessThan(300);
  });

  it('does not time out a request waiting for a connection to its origin (perHost)', async () => {
    const server = await start(startHttpServer());
    const results = byIndex(
      await run([`${server.url}/slow/400`, `${server.url}/ok`], { concurrency: 10, perHost: 1, timeout: 300 }),
    );
    expect(results[0]!.error).toMatchObject({ code: 'timeout', phase: 'headers' });
    expect(results[1]!.ok).toBe(true);
    expect(results[1]!.timings.total).toBeLessThan(300);
  });

  it('lets queued requests that each fit the budget all succeed', async () => {
    const server = await start(startHttpServer());
    // Each takes 150 ms of a 400 ms budget; the third has waited 300 ms before it starts.
    const results = await run([`${server.url}/slow/150`, `${server.url}/slow/150`, `${server.url}/slow/150`], {
      concurrency: 1,
      timeout: 400,
    });
    expect(results.map((r) => r.error)).toEqual([null, null, null]);
  });

  it('does not blame the server for our own stall: a response that already arrived is not a timeout', async () => {
    const server = await start(
      startHttpServer({
        '/then-stall': (_req, ctx) => {
          send(ctx.socket, response(200, 'ok'));
          // The response is in the client's socket buffer; now the whole process (engine included)
          // is stuck past the budget, as in a GC pause or behind a busy reporter.
          const until = performance.now() + 400;
          while (performance.now() < until) {
            // busy
          }
        },
      }),
    );
    const r = await one(`${server.url}/then-stall`, { timeout: 300 });
    expect(r.error).toBeNull();
    expect([r.ok, r.bytes]).toEqual([true, 2]);
  });

  it("uses a target's own timeout over the run's", async () => {
    const server = await start(startHttpServer());
    const results = byIndex(
      await run(
        [
          { url: `${server.url}/slow/300`, timeout: '100ms' },
          { url: `${server.url}/slow/300`, timeout: '2s' },
        ],
        { timeout: 150, concurrency: 2 },
      ),
    );
    expect(results[0]!.error).toMatchObject({ code: 'timeout', phase: 'headers' });
    expect(results[0]!.timings.total).toBeGreaterThanOrEqual(100);
    expect(results[0]!.timings.total).toBeLessThan(1100);
    expect(results[1]!.error).toBeNull();
  });

  it('times out in the body phase with the bytes read so far', async () => {
    const server = await start(
      startHttpServer({
        '/half': (_req, ctx) => send(ctx.socket, 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345'),
      }),
    );
    const r = await one(`${server.url}/half`, { timeout: 200 });
    expect(r.error).toMatchObject({ code: 'timeout', phase: 'body' });
    expect([r.status, r.bytes]).toEqual([200, 5]);
  });
});

describe('maxBytes', () => {
  it('stops a body over maxBytes with too_large, counting what was read', async () => {
    const server = await start(startHttpServer());
    const results = byIndex(
      await run([`${server.url}/bytes/1000000`, `${server.url}/bytes/1000`, `${server.url}/chunked/5000`], {
        maxBytes: 1000,
        timeout: 2000,
      }),
    );
    expect(results[0]!.error?.code).toBe('too_large');
    expect(results[0]!.status).toBe(200);
    expect(results[0]!.bytes).toBeGreaterThan(1000);
    expect(results[0]!.bytes).toBeLessThan(1000000);
    // Exactly maxBytes is allowed.
    expect([results[1]!.ok, results[1]!.bytes]).toEqual([true, 1000]);
    expect(results[2]!.error?.code).toBe('too_large');
  });
});

describe('DNS', () => {
  it('connects to localhost through the system resolver', async () => {
    const server = await start(startHttpServer());
    const r = await one(`http://localhost:${server.port}/ok`, { timeout: 2000 });
    expect(r.ok).toBe(true);
    expect(r.timings.dns).toBeTypeOf('number');
    expect(all(server.received[0], 'host')).toEqual([`localhost:${server.port}`]);
  });

  it('tries the next address when the first refuses (::1, then 127.0.0.1), within one result', async () => {
    const server = await start(startHttpServer());
    const addresses: LookupAddress[] = [
      { address: '::1', family: 6 },
      { address: '127.0.0.1', family: 4 },
    ];
    const lookup = fakeLookup({ 'svc.test': addresses });
    const results = byIndex(
      await run([`http://svc.test:${server.port}/ok`, `http://svc.test:${server.port}/ok`], {
        lookup,
        timeout: 2000,
        concurrency: 2,
        perHost: 2,
      }),
    );
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(all(server.received[0], 'host')).toEqual([`svc.test:${server.port}`]);
    // Looked up once per run, for both connections.
    expect(lookup.calls).toEqual(['svc.test']);
  });

  it('reports a name that does not resolve as dns, once per target, and others still run', async () => {
    const server = await start(startHttpServer());
    const lookup = fakeLookup({});
    const results = byIndex(
      await run(['http://nowhere.invalid/a', 'http://nowhere.invalid/b', `${server.url}/ok`], {
        lookup,
        timeout: 2000,
      }),
    );
    expect(results.map((r) => r.error?.code ?? 'ok')).toEqual(['dns', 'dns', 'ok']);
    for (const r of results.slice(0, 2)) {
      expect(r.status).toBeNull();
      expect(r.timings.connect).toBeNull();
    }
    expect(lookup.calls).toEqual(['nowhere.invalid']);
  });

  it('reports no dns time for a name already resolved in this run', async () => {
    const server = await start(startHttpServer());
    const lookup = fakeLookup({ 'svc.test': [{ address: '127.0.0.1', family: 4 }] });
    // concurrency 1 + Connection: close forces a second, fresh connection after the first resolved.
    const results = byIndex(
      await run(
        [
          { url: `http://svc.test:${server.port}/ok`, headers: { Connection: 'close' } },
          `http://svc.test:${server.port}/ok`,
        ],
        { lookup, timeout: 2000, concurrency: 1 },
      ),
    );
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(results[0]!.timings.dns).toBeTypeOf('number');
    expect(results[1]!.reused).toBe(false);
    expect(results[1]!.timings.dns).toBeNull();
    expect(results[1]!.timings.connect).toBeTypeOf('number');
  });
});

describe('connect budget', () => {
  it('a resolver that never answers: dns, on the connect budget (issue 15: the failure keeps its meaning)', async () => {
    const lookup: LookupFn = () => {};
    const r = await one('http://hangs.test/', { lookup, connectTimeout: 300, timeout: 5000 });
    expect(r.error?.code).toBe('dns');
    expect(r.error?.message).toBe(
      'cannot resolve hangs.test: no answer from the DNS server within 300 ms (connect timeout)',
    );
    expect([r.timings.dns, r.timings.connect]).toEqual([null, null]);
    expect(r.timings.total).toBeGreaterThanOrEqual(300);
    expect(r.timings.total).toBeLessThan(1300);
  });

  it('a TCP connect that never completes: timeout in phase connect, and the socket is destroyed', async () => {
    const sockets: Socket[] = [];
    // A socket that is never connected stands in for a SYN into a black hole.
    const connector: Connector = {
      tcp: () => {
        const socket = new Socket();
        sockets.push(socket);
        return socket;
      },
      tls: defaultConnector.tls,
    };
    const r = await one('http://127.0.0.1:9/', { connector, connectTimeout: 300, timeout: 5000 });
    expect(r.error).toMatchObject({ code: 'timeout', phase: 'connect' });
    expect(r.timings.connect).toBeNull();
    expect(r.timings.total).toBeGreaterThanOrEqual(300);
    expect(r.timings.total).toBeLessThan(1300);
    expect(sockets.map((s) => s.destroyed)).toEqual([true]);
  });

  it('a request retried on a fresh connection after a stale one gets a fresh connect budget', async () => {
    // The second request waits 400 ms on the kept-alive connection, which then closes without a
    // byte (stale): it is retried on a new connection, which never connects. Its connect timeout
    // counts from the retry, not from when the request first started (already 400 ms ago).
    const server = await start(
      rawServer((ctx) => {
        let n = 0;
        onRequests(ctx, async () => {
          if (n++ === 0) send(ctx.socket, response(200, 'ok'));
          else {
            await new Promise((resolve) => setTimeout(resolve, 400));
            ctx.socket.destroy();
          }
        });
      }),
    );
    const sockets: Socket[] = [];
    const connector: Connector = {
      tcp: (address, family, port, readInto) => {
        if (sockets.length === 0) {
          const socket = defaultConnector.tcp(address, family, port, readInto);
          sockets.push(socket);
          return socket;
        }
        const socket = new Socket();
        sockets.push(socket);
        return socket;
      },
      tls: defaultConnector.tls,
    };
    const results = byIndex(
      await run([`${server.url}/a`, `${server.url}/b`], {
        concurrency: 1,
        connector,
        connectTimeout: 300,
        timeout: 5000,
      }),
    );
    expect(results[0]!.ok).toBe(true);
    expect(results[1]!.error).toMatchObject({ code: 'timeout', phase: 'connect' });
    expect(results[1]!.timings.total).toBeGreaterThanOrEqual(700);
    expect(sockets.length).toBe(2);
  });

  it('the whole-request timeout also bounds connecting when it is the smaller one', async () => {
    const lookup: LookupFn = () => {};
    const r = await one('http://hangs.test/', { lookup, connectTimeout: 5000, timeout: 300 });
    expect(r.error).toMatchObject({ code: 'timeout', phase: 'connect' });
    expect(r.timings.total).toBeLessThan(1300);
  });
});

describe('close-delimited and idle-closed connections', () => {
  it('reads a body that ends when the server closes (no length, no chunked; RFC 9112 §6.3)', async () => {
    const server = await start(
      rawServer((ctx) =>
        onRequests(ctx, () => {
          ctx.socket.end('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end');
        }),
      ),
    );
    const results = byIndex(await run([`${server.url}/a`, `${server.url}/b`], { concurrency: 1, timeout: 2000 }));
    expect(results.map((r) => [r.ok, r.bytes, r.reused])).toEqual([
      [true, 13, false],
      [true, 13, false],
    ]);
    expect(server.connections).toBe(2);
  });

  it('drops a kept-alive connection the server closed while idle, and opens a fresh one', async () => {
    const server = await start(startHttpServer({}, { idleTimeoutMs: 20 }));
    const other = await start(startHttpServer());
    // The /slow target on another origin outlasts the first server's idle timeout.
    const results = byIndex(
      await run([`${server.url}/ok`, `${other.url}/slow/150`, `${server.url}/ok`], { concurrency: 1, timeout: 2000 }),
    );
    expect(results.map((r) => r.ok)).toEqual([true, true, true]);
    expect(results[2]!.reused).toBe(false);
    expect(server.connections).toBe(2);
  });
});

describe('cancellation', () => {
  it('reports in-flight and queued targets as cancelled and resolves the run', async () => {
    const server = await start(startHttpServer());
    const controller = new AbortController();
    const results: Result[] = [];
    const done = runTargets(
      prepare(Array.from({ length: 6 }, () => `${server.url}/never`)),
      // perHost below concurrency: two run, the other four are taken and wait in the pool.
      { concurrency: 4, perHost: 2, timeout: 10_000, signal: controller.signal },
      (r) => {
        results.push(r);
      },
    );
    await eventually(() => server.requests === 2, 'two requests in flight');
    controller.abort();
    await done;
    expect(indexesOnce(results, 6)).toBe(true);
    expect(results.every((r) => r.error?.code === 'cancelled')).toBe(true);
    await eventually(() => server.openConnections === 0, 'every connection closed');
  });

  it('takes nothing more from an endless source after cancelling, and gives every taken target a result', async () => {
    const server = await start(startHttpServer());
    const controller = new AbortController();
    let taken = 0;
    async function* endless(): AsyncGenerator<PreparedTarget> {
      for (let i = 0; i < 1_000_000; i++) {
        taken++;
        yield prepareTarget(`${server.url}/never`, i, {});
      }
    }
    const results: Result[] = [];
    const done = runTargets(
      endless(),
      { concurrency: 3, perHost: 3, timeout: 10_000, signal: controller.signal },
      (r) => {
        results.push(r);
      },
    );
    await eventually(() => server.requests === 3, 'three requests in flight');
    controller.abort();
    await done;
    expect(taken).toBeLessThan(1_000_000);
    expect(results.length).toBe(taken);
    expect(indexesOnce(results, taken)).toBe(true);
    expect(results.every((r) => r.error?.code === 'cancelled')).toBe(true);
  });

  it("closes a generator source it stopped reading, so the generator's finally runs", async () => {
    const server = await start(startHttpServer());
    let finalized = false;
    function* source(): Generator<PreparedTarget> {
      try {
        for (let i = 0; i < 1000; i++) yield prepareTarget(`${server.url}/never`, i, {});
      } finally {
        finalized = true;
      }
    }
    const controller = new AbortController();
    const done = runTargets(
      source(),
      { concurrency: 2, perHost: 2, timeout: 10_000, signal: controller.signal },
      () => {},
    );
    await eventually(() => server.requests === 2, 'two requests in flight');
    controller.abort();
    await done;
    expect(finalized).toBe(true);
  });

  it('takes and starts nothing when the signal is already aborted', async () => {
    const server = await start(startHttpServer());
    // Only taken targets get a result; an aborted run takes none.
    const results = await run([`${server.url}/ok`, `${server.url}/ok`], { signal: AbortSignal.abort() });
    expect(results).toEqual([]);
    expect(server.connections).toBe(0);
  });
});
