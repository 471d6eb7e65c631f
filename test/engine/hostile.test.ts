/**
 * The engine against every hostile fixture in the server kit: each must end in one result with
 * the exact error code (and, for timeouts, phase), within its budget, and must never poison a
 * connection for the next target.
 */
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { defaultConnector, type Connector } from '../../src/engine/net/connector.js';
import type { Result } from '../../src/types.js';
import { caCert } from '../helpers/certs.js';
import {
  rawServer,
  response,
  send,
  startCloseMidServer,
  startDoubleResponseServer,
  startEndless1xxServer,
  startEndlessBodyServer,
  startEndlessChunkedServer,
  startEndlessHeadersServer,
  startGarbageServer,
  startHttpServer,
  startHttpsServer,
  startKeepAliveRaceServer,
  startOverlongBodyServer,
  startOversizeHeadersServer,
  startRefusedPort,
  startResetServer,
  startSilentServer,
  startSlowLorisServer,
  startStallAfterStatusServer,
  startTlsStallServer,
  type CloseMidPoint,
} from '../helpers/servers.js';
import { byIndex, fakeLookup, one, run } from './harness.js';
import { closeAfterEach } from '../helpers/track.js';

const start = closeAfterEach();

/** The budget every timeout test uses; results must land in [BUDGET, BUDGET + 1000). */
const BUDGET = 300;

function expectWithinBudget(r: Result, budget = BUDGET): void {
  expect(r.timings.total).toBeGreaterThanOrEqual(budget);
  expect(r.timings.total).toBeLessThan(budget + 1000);
}

/**
 * The default connector, but trusting the kit's test CA — what a `--cacert` flag would do. The
 * engine has no such option yet; the connector is its seam for this.
 */
const trustingTestCa: Connector = {
  tcp: defaultConnector.tcp,
  tls(socket, params) {
    return tls.connect({
      socket,
      ...(params.servername === undefined ? {} : { servername: params.servername }),
      rejectUnauthorized: params.verify,
      ca: caCert,
      ALPNProtocols: ['http/1.1'],
    });
  },
};

describe('servers that stall', () => {
  it('silent: timeout in phase headers, no status, no first byte', async () => {
    const server = await start(startSilentServer());
    const r = await one(`${server.url}/`, { timeout: BUDGET });
    expect(r.error).toMatchObject({ code: 'timeout', phase: 'headers' });
    expect([r.status, r.timings.firstByte, r.ok]).toEqual([null, null, false]);
    expectWithinBudget(r);
    expect(server.requests).toBe(1);
  });

  it('stall after the status line: the head is incomplete, so phase headers', async () => {
    const server = await start(startStallAfterStatusServer());
    const r = await one(`${server.url}/`, { timeout: BUDGET });
    expect(r.error).toMatchObject({ code: 'timeout', phase: 'headers' });
    expect(r.status).toBeNull();
    expect(r.timings.firstByte).toBeTypeOf('number');
    expectWithinBudget(r);
  });

  it('slow-loris in the head: timeout in phase headers within the budget', async () => {
    // 45 head bytes at one per 20 ms cannot finish in 300 ms.
    const server = await start(startSlowLorisServer({ intervalMs: 20, from: 'head' }));
    const r = await one(`${server.url}/`, { timeout: BUDGET });
    expect(r.error).toMatchObject({ code: 'timeout', phase: 'headers' });
    expect(r.status).toBeNull();
    expectWithinBudget(r);
  });

  it('slow-loris in the body: timeout in phase body with the bytes read', async () => {
    const server = await start(startSlowLorisServer({ intervalMs: 10, from: 'body' }));
    const r = await one(`${server.url}/`, { timeout: BUDGET });
    expect(r.error).toMatchObject({ code: 'timeout', phase: 'body' });
    expect(r.status).toBe(200);
    expect(r.bytes).toBeGreaterThan(0);
    expect(r.bytes).toBeLessThan(1_000_000);
    expectWithinBudget(r);
  });

  it('endless 1xx, trickled: timeout in phase headers (no final head ever came)', async () => {
    const server = await start(startEndless1xxServer({ intervalMs: 20 }));
    const r = await one(`${server.url}/`, { timeout: BUDGET });
    expect(r.error).toMatchObject({ code: 'timeout', phase: 'headers' });
    expect(r.status).toBeNull();
    expectWithinBudget(r);
  });
});

describe('servers that never stop sending', () => {
  it('endless headers: too_large as soon as the limit is passed, long before the timeout', async () => {
    const server = await start(startEndlessHeadersServer());
    const r = await one(`${server.url}/`, { timeout: 5000 });
    expect(r.error?.code).toBe('too_large');
    expect(r.error?.phase).toBeUndefined();
    expect(r.status).toBeNull();
  });

  it('endless headers with a small limit: too_large too', async () => {
    const server = await start(startEndlessHeadersServer());
    const r = await one(`${server.url}/`, { timeout: 5000, maxHeaderBytes: 2048 });
    expect(r.error?.code).toBe('too_large');
  });

  it('endless 1xx, as fast as read: protocol (too many interim responses), long before the timeout', async () => {
    for (const status of [100, 103] as const) {
      const server = await start(startEndless1xxServer({ status }));
      const r = await one(`${server.url}/`, { timeout: 5000 });
      expect(r.error?.code).toBe('protocol');
      expect(r.status).toBeNull();
    }
  });

  it('endless chunked body: timeout in phase body with bytes counted', async () => {
    const server = await start(startEndlessChunkedServer());
    const r = await one(`${server.url}/`, { timeout: BUDGET });
    expect(r.error).toMatchObject({ code: 'timeout', phase: 'body' });
    expect(r.status).toBe(200);
    expect(r.bytes).toBeGreaterThan(16 * 1024);
    expectWithinBudget(r);
  });

  it('endless close-delimited body: timeout in phase body with bytes counted', async () => {
    const server = await start(startEndlessBodyServer());
    const r = await one(`${server.url}/`, { timeout: BUDGET });
    expect(r.error).toMatchObject({ code: 'timeout', phase: 'body' });
    expect(r.status).toBe(200);
    expect(r.bytes).toBeGreaterThan(16 * 1024);
    expectWithinBudget(r);
  });

  it('endless close-delimited body with maxBytes: too_large, not a timeout', async () => {
    const server = await start(startEndlessBodyServer());
    const r = await one(`${server.url}/`, { timeout: 5000, maxBytes: 100_000 });
    expect(r.error?.code).toBe('too_large');
    expect(r.bytes).toBeGreaterThan(100_000);
  });
});

describe('servers that close or reset early', () => {
  const cases: Array<[CloseMidPoint, number | null, number]> = [
    ['status-line', null, 0],
    ['headers', null, 0],
    ['body', 200, 40],
    ['chunk', 200, 8],
  ];
  for (const [where, status, bytes] of cases) {
    it(`closes mid ${where}: truncated, status ${status}, ${bytes} body bytes`, async () => {
      const server = await start(startCloseMidServer(where));
      const r = await one(`${server.url}/`, { timeout: 5000 });
      expect(r.error?.code).toBe('truncated');
      expect([r.status, r.bytes, r.ok]).toEqual([status, bytes, false]);
    });
  }

  it('closes before any response byte on a fresh connection: truncated, not retried', async () => {
    const server = await start(rawServer((ctx) => ctx.socket.once('data', () => ctx.socket.end())));
    const r = await one(`${server.url}/`, { timeout: 5000 });
    expect(r.error?.code).toBe('truncated');
    expect(server.connections).toBe(1);
  });

  it('reset before the request: reset', async () => {
    const server = await start(startResetServer('before-request'));
    const r = await one(`${server.url}/`, { timeout: 5000 });
    expect(r.error?.code).toBe('reset');
    expect(r.status).toBeNull();
    expect(server.connections).toBe(1);
  });

  it('reset after the request: reset', async () => {
    const server = await start(startResetServer('after-request'));
    const r = await one(`${server.url}/`, { timeout: 5000 });
    expect(r.error?.code).toBe('reset');
    expect(r.status).toBeNull();
    expect(server.requests).toBe(1);
    expect(server.connections).toBe(1);
  });

  it('refused port: refused, no connect time', async () => {
    const port = await startRefusedPort();
    const r = await one(`http://127.0.0.1:${port}/`, { timeout: 5000 });
    expect(r.error?.code).toBe('refused');
    expect(r.timings.connect).toBeNull();
  });
});

describe('servers that speak something else', () => {
  it('an SSH banner: protocol', async () => {
    const server = await start(startGarbageServer({ payload: 'ssh' }));
    const r = await one(`${server.url}/`, { timeout: 5000 });
    expect(r.error?.code).toBe('protocol');
    expect(r.status).toBeNull();
  });

  it('binary garbage: protocol, without waiting for the timeout', async () => {
    const server = await start(startGarbageServer({ payload: 'binary' }));
    const r = await one(`${server.url}/`, { timeout: 5000 });
    expect(r.error?.code).toBe('protocol');
  });

  it('oversize headers: too_large over the default 64 KiB, ok with a larger limit', async () => {
    const server = await start(startOversizeHeadersServer(70_000));
    const r = await one(`${server.url}/`, { timeout: 5000 });
    expect(r.error?.code).toBe('too_large');
    const bigger = await one(`${server.url}/`, { timeout: 5000, maxHeaderBytes: 80_000 });
    expect([bigger.ok, bigger.bytes]).toEqual([true, 2]);
  });

  it('maxHeaderBytes is inclusive: a head of exactly the limit passes, one byte more is too_large', async () => {
    const exact = await start(startOversizeHeadersServer(1000));
    const over = await start(startOversizeHeadersServer(1001));
    const results = byIndex(await run([`${exact.url}/`, `${over.url}/`], { timeout: 5000, maxHeaderBytes: 1000 }));
    expect(results.map((r) => r.error?.code ?? 'ok')).toEqual(['ok', 'too_large']);
  });
});

describe('servers that send more than one response allows', () => {
  it('two responses to one request: the first is ok, the connection is not reused', async () => {
    const server = await start(startDoubleResponseServer());
    const results = byIndex(await run([`${server.url}/a`, `${server.url}/b`], { concurrency: 1, timeout: 5000 }));
    expect(results.map((r) => [r.ok, r.bytes, r.reused])).toEqual([
      [true, 5, false],
      [true, 5, false],
    ]);
    expect(server.connections).toBe(2);
  });

  it('a second response arriving on an idle connection: that connection is dropped, not handed out', async () => {
    const server = await start(startDoubleResponseServer({ gapMs: 30 }));
    const other = await start(startHttpServer());
    // concurrency 1: the /slow target keeps the run busy while the stray response arrives on the
    // double-response server's idle connection.
    const results = byIndex(
      await run([`${server.url}/a`, `${other.url}/slow/150`, `${server.url}/c`], { concurrency: 1, timeout: 5000 }),
    );
    expect(results.map((r) => [r.ok, r.bytes])).toEqual([
      [true, 5],
      [true, 2],
      [true, 5],
    ]);
    // Had the idle connection been reused, target 2 would have read the stray `second!` (7 bytes).
    expect(results[2]!.reused).toBe(false);
    expect(server.connections).toBe(2);
  });

  it('Content-Length 10 with 20 bytes: ok with 10 bytes, the connection is not reused', async () => {
    const server = await start(startOverlongBodyServer());
    const results = byIndex(await run([`${server.url}/a`, `${server.url}/b`], { concurrency: 1, timeout: 5000 }));
    expect(results.map((r) => [r.ok, r.bytes, r.reused])).toEqual([
      [true, 10, false],
      [true, 10, false],
    ]);
    expect(server.connections).toBe(2);
  });
});

describe('keep-alive race (RFC 9112 §9.3.1)', () => {
  it('a kept-alive connection closed under the next request: retried once on a fresh connection, ok', async () => {
    const server = await start(startKeepAliveRaceServer());
    const results = byIndex(await run([`${server.url}/a`, `${server.url}/b`], { concurrency: 1, timeout: 5000 }));
    expect(results.map((r) => [r.ok, r.bytes])).toEqual([
      [true, 2],
      [true, 2],
    ]);
    expect(server.connections).toBe(2);
    // The retry ran on a new connection, and its timings say so.
    expect(results[1]!.reused).toBe(false);
    expect(results[1]!.timings.connect).toBeTypeOf('number');
  });

  it('retries every request that meets a stale connection, each on a fresh one', async () => {
    // Every connection answers its first request, then closes at the next one: the second target
    // is retried on connection 2; the third reuses connection 2, which closes under it, and is
    // retried on connection 3.
    const server = await start(startKeepAliveRaceServer());
    const results = byIndex(
      await run([`${server.url}/a`, `${server.url}/b`, `${server.url}/c`], { concurrency: 1, timeout: 5000 }),
    );
    expect(results.map((r) => r.ok)).toEqual([true, true, true]);
    expect(server.connections).toBe(3);
  });

  it('retries at most once: a retry that also fails before a response byte is reported truncated', async () => {
    // Connection 0 answers once and then closes at the next request; every later connection
    // closes as soon as a request arrives.
    const server = await start(
      rawServer((ctx) => {
        let answered = ctx.index > 0;
        ctx.socket.on('data', () => {
          if (answered) ctx.socket.end();
          else send(ctx.socket, response(200, 'ok'));
          answered = true;
        });
      }),
    );
    const results = byIndex(await run([`${server.url}/a`, `${server.url}/b`], { concurrency: 1, timeout: 5000 }));
    expect(results[0]!.ok).toBe(true);
    expect(results[1]!.error?.code).toBe('truncated');
    expect(server.connections).toBe(2);
  });

  it('with part of a response already received: not retried, truncated', async () => {
    const server = await start(startKeepAliveRaceServer({ partial: true }));
    const results = byIndex(await run([`${server.url}/a`, `${server.url}/b`], { concurrency: 1, timeout: 5000 }));
    expect(results[0]!.ok).toBe(true);
    expect(results[1]!.error?.code).toBe('truncated');
    expect(results[1]!.reused).toBe(true);
    expect(server.connections).toBe(1);
  });

  it('a POST (not idempotent, RFC 9110 §9.2.2) is not retried', async () => {
    const server = await start(startKeepAliveRaceServer());
    const results = byIndex(
      await run([`${server.url}/a`, { url: `${server.url}/b`, method: 'POST', body: 'x' }], {
        concurrency: 1,
        timeout: 5000,
      }),
    );
    expect(results[0]!.ok).toBe(true);
    expect(results[1]!.error?.code).toBe('truncated');
    expect(server.connections).toBe(1);
  });
});

describe('TLS', () => {
  it('a TCP server that never answers the handshake: timeout in phase tls, on the connect budget', async () => {
    const server = await start(startSilentServer());
    const r = await one(`https://127.0.0.1:${server.port}/`, { connectTimeout: BUDGET, timeout: 5000 });
    expect(r.error).toMatchObject({ code: 'timeout', phase: 'tls' });
    expect(r.timings.connect).toBeTypeOf('number');
    expect(r.timings.tls).toBeNull();
    expectWithinBudget(r);
  });

  it('TLS stall after the handshake (startTlsStallServer): timeout in phase headers', async () => {
    const server = await start(startTlsStallServer());
    const r = await one(`${server.url}/`, { connector: trustingTestCa, connectTimeout: 5000, timeout: BUDGET });
    expect(r.error).toMatchObject({ code: 'timeout', phase: 'headers' });
    expect(r.timings.tls).toBeTypeOf('number');
    expectWithinBudget(r);
    expect(server.requests).toBe(1);
  });

  it('a CA-signed certificate fails verification without the CA (there is no --cacert yet)', async () => {
    const server = await start(startHttpsServer());
    const r = await one(`${server.url}/ok`, { timeout: 5000 });
    expect(r.error?.code).toBe('tls');
    expect(r.status).toBeNull();
    expect(server.requests).toBe(0);
  });

  it('a CA-signed certificate is ok when the CA is trusted, by IP and by name, with tls time', async () => {
    const server = await start(startHttpsServer());
    const lookup = fakeLookup({ localhost: [{ address: '127.0.0.1', family: 4 }] });
    const results = byIndex(
      await run([`${server.url}/ok`, `https://localhost:${server.port}/ok`], {
        connector: trustingTestCa,
        lookup,
        timeout: 5000,
      }),
    );
    for (const r of results) {
      expect([r.ok, r.status, r.bytes]).toEqual([true, 200, 2]);
      expect(r.timings.tls).toBeTypeOf('number');
    }
  });

  it('verifies the certificate against the name and sends a port-less Host for https on the default port', async () => {
    const server = await start(startHttpsServer());
    // https://localhost/ means port 443; the connector sends the socket to the test server instead.
    const connector: Connector = {
      tcp: () => defaultConnector.tcp('127.0.0.1', 4, server.port),
      tls: trustingTestCa.tls,
    };
    const lookup = fakeLookup({ localhost: [{ address: '127.0.0.1', family: 4 }] });
    const r = await one('https://localhost/ok', { connector, lookup, timeout: 5000 });
    expect([r.ok, r.status]).toEqual([true, 200]);
    expect(server.received[0]?.header('host')).toBe('localhost');
  });

  it('reuses a TLS connection, and a reused result has no tls time', async () => {
    const server = await start(startHttpsServer());
    const results = byIndex(
      await run([`${server.url}/ok`, `${server.url}/ok`], { connector: trustingTestCa, concurrency: 1, timeout: 5000 }),
    );
    expect(results.map((r) => [r.ok, r.reused])).toEqual([
      [true, false],
      [true, true],
    ]);
    expect(results[1]!.timings.tls).toBeNull();
    expect(server.connections).toBe(1);
  });

  it('an expired certificate: tls (CERT_HAS_EXPIRED, even with the CA trusted)', async () => {
    const server = await start(startHttpsServer({ cert: 'expired' }));
    const r = await one(`${server.url}/ok`, { connector: trustingTestCa, timeout: 5000 });
    expect(r.error?.code).toBe('tls');
    expect(r.error?.message).toContain('CERT_HAS_EXPIRED');
    expect(server.requests).toBe(0);
  });

  it('a certificate for another host: tls (ERR_TLS_CERT_ALTNAME_INVALID, even with the CA trusted)', async () => {
    const server = await start(startHttpsServer({ cert: 'wrong-host' }));
    const r = await one(`${server.url}/ok`, { connector: trustingTestCa, timeout: 5000 });
    expect(r.error?.code).toBe('tls');
    expect(r.error?.message).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(server.requests).toBe(0);
  });

  it('a self-signed certificate: tls, and ok with insecure', async () => {
    const server = await start(startHttpsServer({ cert: 'self-signed' }));
    const refused = await one(`${server.url}/ok`, { timeout: 5000 });
    expect(refused.error?.code).toBe('tls');
    expect(refused.error?.message).toContain('DEPTH_ZERO_SELF_SIGNED_CERT');
    const insecure = await one(`${server.url}/ok`, { timeout: 5000, insecure: true });
    expect([insecure.ok, insecure.status]).toEqual([true, 200]);
    expect(insecure.timings.tls).toBeTypeOf('number');
  });

  it('insecure accepts expired and wrong-host certificates too', async () => {
    const expired = await start(startHttpsServer({ cert: 'expired' }));
    const wrong = await start(startHttpsServer({ cert: 'wrong-host' }));
    const results = await run([`${expired.url}/ok`, `${wrong.url}/ok`], { timeout: 5000, insecure: true });
    expect(results.map((r) => r.ok)).toEqual([true, true]);
  });

  it('https to a plain-HTTP server: tls error, quickly', async () => {
    // Answers whatever arrives (here a ClientHello) with a 400, as an HTTP server would.
    const server = await start(
      rawServer((ctx) => ctx.socket.once('data', () => ctx.socket.end(response(400, 'not http')))),
    );
    const r = await one(`https://127.0.0.1:${server.port}/ok`, { timeout: 5000, connectTimeout: 5000 });
    expect(r.error?.code).toBe('tls');
    expect(r.status).toBeNull();
  });
});
