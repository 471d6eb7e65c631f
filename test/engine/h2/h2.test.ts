import { constants } from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import { caCert } from '../../helpers/certs.js';
import { type H2Server, startH2Server } from '../../helpers/h2-server.js';
import { byIndex, indexesOnce, one, run } from '../harness.js';

const servers: H2Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function h2(options: Parameters<typeof startH2Server>[0] = {}): Promise<H2Server> {
  const server = await startH2Server(options);
  servers.push(server);
  return server;
}
const tlsOptions = { ca: [caCert], timeout: 5000 };
const urls = (server: H2Server, n: number, path = '/n'): string[] =>
  Array.from({ length: n }, (_, i) => `${server.url}${path}/${i}`);

describe('ALPN', () => {
  it('speaks HTTP/2 when the server picks h2, and HTTP/1.1 with --http1.1', async () => {
    const server = await h2({ allowHTTP1: true });
    const r2 = await one(`${server.url}/a`, tlsOptions);
    expect(r2).toMatchObject({ ok: true, status: 200, bytes: 2, httpVersion: '2' });
    expect(server.streams).toBe(1);
    const r1 = await one(`${server.url}/b`, { ...tlsOptions, http1Only: true });
    expect(r1).toMatchObject({ ok: true, status: 200, bytes: 2, httpVersion: '1.1' });
    expect(server.http1).toBe(1);
    expect(server.streams).toBe(1);
  });

  it('an h2-only server with --http1.1 fails the handshake clearly (tls), not with garbage', async () => {
    const server = await h2();
    const r = await one(`${server.url}/a`, { ...tlsOptions, http1Only: true });
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe('tls');
  });
});

describe('h2c (--http2-prior-knowledge)', () => {
  it('speaks HTTP/2 on a cleartext target', async () => {
    const server = await h2({ tls: false });
    const results = await run(urls(server, 20), { http2PriorKnowledge: true, timeout: 5000 });
    expect(results.every((r) => r.ok && r.httpVersion === '2')).toBe(true);
    expect(server.connections).toBe(1);
    expect(server.streams).toBe(20);
  });
});

describe('multiplexing', () => {
  it('300 targets at -c 100 to one origin run over one connection, as streams', async () => {
    const server = await h2();
    const results = await run(urls(server, 300), { ...tlsOptions, concurrency: 100 });
    expect(indexesOnce(results, 300)).toBe(true);
    for (const r of byIndex(results)) expect(r).toMatchObject({ ok: true, httpVersion: '2' });
    expect(server.connections).toBe(1);
    expect(server.streams).toBe(300);
    expect(server.peakStreams).toBeGreaterThan(1);
    expect(server.peakStreams).toBeLessThanOrEqual(100);
  });

  it('--per-host caps streams in flight per origin', async () => {
    const server = await h2();
    const results = await run(urls(server, 60), { ...tlsOptions, concurrency: 50, perHost: 5 });
    expect(results.every((r) => r.ok)).toBe(true);
    expect(server.peakStreams).toBeLessThanOrEqual(5);
    expect(server.connections).toBe(1);
  });

  it('SETTINGS_MAX_CONCURRENT_STREAMS 1: never more than one stream per connection, every target ok', async () => {
    const server = await h2({ settings: { maxConcurrentStreams: 1 } });
    const results = await run(urls(server, 40), { ...tlsOptions, concurrency: 10 });
    expect(indexesOnce(results, 40)).toBe(true);
    expect(results.every((r) => r.ok && r.httpVersion === '2')).toBe(true);
    expect(server.peakStreams).toBe(1);
    // Demand above the server's limit opens more connections, bounded by the per-origin cap.
    expect(server.connections).toBeGreaterThan(1);
    expect(server.connections).toBeLessThanOrEqual(10);
  });
});

describe('failures mapped to our codes', () => {
  it('GOAWAY mid-run: streams the server never started run again; every target one result, all ok', async () => {
    let goneAway = false;
    const server = await h2({
      handler: (stream, headers, ctx) => {
        // The first connection answers a few streams, then says GOAWAY naming the last one it
        // processed: the streams above it are retried on a new connection.
        if (ctx.connection === 0 && (stream.id ?? 0) >= 11 && !goneAway) {
          goneAway = true;
          ctx.session.goaway(constants.NGHTTP2_NO_ERROR, 9);
          return;
        }
        if (ctx.connection === 0 && (stream.id ?? 0) > 9) return; // above last-stream-id: never answered
        stream.respond({ ':status': 200 });
        stream.end(String(headers[':path']));
      },
    });
    const results = await run(urls(server, 100), { ...tlsOptions, concurrency: 20 });
    expect(indexesOnce(results, 100)).toBe(true);
    for (const r of results) expect(r).toMatchObject({ ok: true, attempts: 1, httpVersion: '2' });
    expect(goneAway).toBe(true);
    expect(server.connections).toBeGreaterThanOrEqual(2);
  });

  it('RST_STREAM on one stream: that target fails reset with the h2 error name; the others are fine', async () => {
    const server = await h2({
      handler: (stream, headers) => {
        if (headers[':path'] === '/n/3') {
          stream.close(constants.NGHTTP2_INTERNAL_ERROR);
          return;
        }
        stream.respond({ ':status': 200 });
        stream.end('ok');
      },
    });
    const results = byIndex(await run(urls(server, 8), tlsOptions));
    expect(results[3]?.error?.code).toBe('reset');
    expect(results[3]?.error?.message).toContain('INTERNAL_ERROR');
    for (const [i, r] of results.entries()) if (i !== 3) expect(r.ok).toBe(true);
    expect(server.connections).toBe(1);
  });

  it('REFUSED_STREAM: the request runs again, transparently', async () => {
    let refused = 0;
    const server = await h2({
      handler: (stream) => {
        if (refused < 2) {
          refused++;
          stream.close(constants.NGHTTP2_REFUSED_STREAM);
          return;
        }
        stream.respond({ ':status': 200 });
        stream.end('ok');
      },
    });
    const r = await one(`${server.url}/x`, tlsOptions);
    expect(r).toMatchObject({ ok: true, status: 200, attempts: 1 });
    expect(refused).toBe(2);
  });

  it('a response header block over the limit: too_large', async () => {
    const server = await h2({
      handler: (stream) => {
        stream.respond({ ':status': 200, 'x-big': 'a'.repeat(20_000) });
        stream.end('ok');
      },
    });
    const r = await one(`${server.url}/big`, { ...tlsOptions, maxHeaderBytes: 4096 });
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe('too_large');
  });

  it('a server that stops granting flow-control window: timeout in phase body', async () => {
    const server = await h2({
      // No window for our request body beyond the first bytes: the upload stalls.
      settings: { initialWindowSize: 16 },
      handler: (stream) => {
        stream.respond({ ':status': 200 });
        stream.on('data', () => {});
        stream.on('end', () => stream.end('done'));
        // Never reads past the window: no WINDOW_UPDATE is sent.
        stream.pause();
      },
    });
    const r = await one(
      { url: `${server.url}/upload`, method: 'POST', body: 'x'.repeat(100_000) },
      { ...tlsOptions, timeout: 500 },
    );
    expect(r.ok).toBe(false);
    expect(r.error).toMatchObject({ code: 'timeout', phase: 'body' });
  });

  it('--max-bytes on an h2 body: too_large, the connection carries on', async () => {
    const server = await h2({
      handler: (stream, headers) => {
        stream.respond({ ':status': 200 });
        stream.end(headers[':path'] === '/n/0' ? 'x'.repeat(50_000) : 'small');
      },
    });
    const results = byIndex(await run(urls(server, 4), { ...tlsOptions, maxBytes: 1000 }));
    expect(results[0]?.error?.code).toBe('too_large');
    for (const r of results.slice(1)) expect(r.ok).toBe(true);
    expect(server.connections).toBe(1);
  });
});

describe('a server that breaks the protocol', () => {
  it('garbage instead of HTTP/2 frames after choosing h2 in ALPN: protocol, one line, no crash', async () => {
    const { createServer } = await import('node:tls');
    const { serverCert, serverKey } = await import('../../helpers/certs.js');
    const server = createServer({ cert: serverCert, key: serverKey, ALPNProtocols: ['h2'] }, (socket) => {
      socket.on('error', () => {});
      socket.on('data', () => {});
      socket.write(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'.repeat(20)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as import('node:net').AddressInfo).port;
    try {
      const r = await one(`https://127.0.0.1:${port}/x`, { ...tlsOptions, timeout: 2000 });
      expect(r.ok).toBe(false);
      expect(r.error?.code).toBe('protocol');
      expect(r.error?.message).not.toContain('\n');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('an https origin that turns out HTTP/1.1', () => {
  it('waits for the first connection only: then opens its own connections up to --per-host', async () => {
    const { createServer } = await import('node:https');
    const { serverCert, serverKey } = await import('../../helpers/certs.js');
    let open = 0;
    let peak = 0;
    let connections = 0;
    const server = createServer({ cert: serverCert, key: serverKey }, (_req, res) => {
      open++;
      peak = Math.max(peak, open);
      // Held until eight run at once (or a second passes): only parallel connections get there.
      const done = (): void => {
        open--;
        res.end('ok');
      };
      if (open >= 8) setImmediate(done);
      else setTimeout(done, 1000).unref();
    });
    server.on('secureConnection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as import('node:net').AddressInfo).port;
    try {
      const urls = Array.from({ length: 8 }, (_, i) => `https://127.0.0.1:${port}/h1/${i}`);
      const results = await run(urls, { ...tlsOptions, concurrency: 8, perHost: 8 });
      expect(results.every((r) => r.ok && r.httpVersion === '1.1')).toBe(true);
      expect(peak).toBe(8);
      expect(connections).toBe(8);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
