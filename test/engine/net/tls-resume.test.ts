import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { caCert, serverCert, serverKey } from '../../helpers/certs.js';
import { startProxyServer, type TestProxy } from '../../helpers/proxy-server.js';
import { byIndex, run } from '../harness.js';

/** An HTTPS/1.1 server that closes after every response, counting full and resumed handshakes. */
async function closingServer(): Promise<{ url: string; full: number; resumed: number; close(): Promise<void> }> {
  const counts = { full: 0, resumed: 0 };
  const server: Server = createServer({ cert: serverCert, key: serverKey }, (req, res) => {
    res.writeHead(200, { connection: 'close', 'content-type': 'text/plain' });
    res.end(req.url);
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    if (socket.isSessionReused()) counts.resumed++;
    else counts.full++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    get full() {
      return counts.full;
    },
    get resumed() {
      return counts.resumed;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

describe('TLS session resumption', () => {
  it('offers the origin’s last session on every new connection; the server resumes them', async () => {
    const server = await closingServer();
    cleanups.push(() => server.close());
    const urls = Array.from({ length: 6 }, (_, i) => `${server.url}/r/${i}`);
    const results = byIndex(await run(urls, { ca: [caCert], concurrency: 1, timeout: 5000 }));
    for (const r of results) expect(r.ok).toBe(true);
    expect(server.full).toBe(1);
    expect(server.resumed).toBe(5);
    expect(results[0]?.tls?.resumed).toBe(false);
    for (const r of results.slice(1)) {
      // A resumed handshake sends no certificate: the session's own is reported, so
      // certDaysLeft and the subject stay meaningful.
      expect(r.tls).toMatchObject({ resumed: true, subject: 'CN=localhost' });
      expect(r.tls?.daysLeft).toBeGreaterThan(0);
    }
  });

  it('resumes through a CONNECT tunnel too', async () => {
    const server = await closingServer();
    const proxy: TestProxy = await startProxyServer();
    cleanups.push(
      () => server.close(),
      () => proxy.close(),
    );
    const urls = Array.from({ length: 4 }, (_, i) => `${server.url}/t/${i}`);
    const results = byIndex(
      await run(urls, { ca: [caCert], concurrency: 1, proxy: { https: proxy.url }, timeout: 5000 }),
    );
    for (const r of results) expect(r.ok).toBe(true);
    expect(proxy.lines.filter((l) => l.startsWith('CONNECT')).length).toBe(4);
    expect(server.resumed).toBe(3);
    expect(results.map((r) => r.tls?.resumed)).toEqual([false, true, true, true]);
  });

  it('reads the server certificate once per connection, however many tickets arrive', async () => {
    const server = await closingServer();
    cleanups.push(() => server.close());
    // Ours: getPeerCertificate() without arguments. Node's own identity check asks for the
    // detailed certificate (true) on full handshakes; that one is not ours to save.
    const spy = vi.spyOn(TLSSocket.prototype, 'getPeerCertificate');
    let ours = 0;
    try {
      const urls = Array.from({ length: 3 }, (_, i) => `${server.url}/c/${i}`);
      const results = byIndex(await run(urls, { ca: [caCert], concurrency: 1, timeout: 5000 }));
      for (const r of results) expect(r.tls).toMatchObject({ subject: 'CN=localhost' });
      ours = spy.mock.calls.filter((args) => args[0] !== true).length;
    } finally {
      spy.mockRestore();
    }
    // node's https server sends two TLS 1.3 tickets per full handshake and one per resumed one.
    expect(server.full + server.resumed).toBe(3);
    expect(ours).toBe(3);
  });
});
