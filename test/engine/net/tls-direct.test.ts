/**
 * HTTPS when HTTP/1.1 is the only protocol offered: TCP and TLS are one socket (the connector's
 * `tlsDirect`) that reads decrypted bytes into the run's shared buffer instead of a Buffer and a
 * 'data' event per read. Everything a result says stays as over a separate TLS layer.
 */
import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { type Connector, defaultConnector } from '../../../src/engine/net/connector.js';
import { caCert } from '../../helpers/certs.js';
import { patternBytes } from '../../helpers/response.js';
import { startProxyServer } from '../../helpers/proxy-server.js';
import { startHttpsServer } from '../../helpers/servers.js';
import { closeAfterEach } from '../../helpers/track.js';
import { byIndex, fakeLookup, one, run } from '../harness.js';

const start = closeAfterEach();

/** The default connector, counting which of its ways was used. */
function counting(): Connector & { calls: { tcp: number; tls: number; tlsDirect: number } } {
  const calls = { tcp: 0, tls: 0, tlsDirect: 0 };
  return {
    calls,
    tcp(address, family, port, readInto) {
      calls.tcp++;
      return defaultConnector.tcp(address, family, port, readInto);
    },
    tls(socket: Socket, params) {
      calls.tls++;
      return defaultConnector.tls(socket, params);
    },
    tlsDirect(address, family, port, params, readInto) {
      calls.tlsDirect++;
      return defaultConnector.tlsDirect!(address, family, port, params, readInto);
    },
  };
}

describe('HTTPS/1.1 on one socket (tlsDirect)', () => {
  it('carries requests, reused connections, timings and the tls field as before', async () => {
    const server = await start(startHttpsServer());
    const connector = counting();
    const urls = Array.from({ length: 6 }, (_, i) => `${server.url}/ok?i=${i}`);
    const results = byIndex(
      await run(urls, { ca: [caCert], http1Only: true, concurrency: 2, timeout: 5000, connector }),
    );
    for (const r of results) {
      expect(r).toMatchObject({ ok: true, status: 200, bytes: 2, httpVersion: '1.1', remoteAddress: '127.0.0.1' });
      expect(r.tls).toMatchObject({ subject: 'CN=localhost', issuer: 'CN=fetch-many test CA' });
    }
    const fresh = results.filter((r) => !r.reused);
    expect(fresh.length).toBeGreaterThan(0);
    for (const r of fresh) {
      expect(r.timings.connect).toBeTypeOf('number');
      expect(r.timings.tls).toBeTypeOf('number');
    }
    expect(connector.calls).toEqual({ tcp: 0, tls: 0, tlsDirect: fresh.length });
  });

  it('reads bodies larger than the shared buffer intact', async () => {
    const server = await start(startHttpsServer());
    const size = 300 * 1024 + 7;
    const connector = counting();
    const r = await one(`${server.url}/bytes/${size}`, {
      ca: [caCert],
      http1Only: true,
      hash: 'sha256',
      timeout: 10_000,
      connector,
    });
    expect(r).toMatchObject({ ok: true, bytes: size });
    expect(r.sha256).toBe(createHash('sha256').update(patternBytes(size)).digest('hex'));
    expect(connector.calls.tlsDirect).toBe(1);
  });

  it('checks the certificate against the name (SNI) for a resolved name, and against the address for a literal', async () => {
    const server = await start(startHttpsServer());
    const connector = counting();
    const lookup = fakeLookup({ localhost: [{ address: '127.0.0.1', family: 4 }] });
    const results = byIndex(
      await run([`https://localhost:${server.port}/ok`, `${server.url}/ok`], {
        ca: [caCert],
        http1Only: true,
        timeout: 5000,
        connector,
        lookup,
      }),
    );
    for (const r of results) expect(r).toMatchObject({ ok: true, status: 200 });
    expect(connector.calls.tlsDirect).toBe(2);
  });

  it('fails verification as before: error tls, no status', async () => {
    const server = await start(startHttpsServer({ cert: 'wrong-host' }));
    const connector = counting();
    const r = await one(`${server.url}/ok`, { ca: [caCert], http1Only: true, timeout: 5000, connector });
    expect(r.error?.code).toBe('tls');
    expect(r.error?.message).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID/);
    expect(r.status).toBeNull();
    expect(r.tls).toBeNull();
    expect(connector.calls.tlsDirect).toBe(1);
  });

  it('reports a refused connection as before', async () => {
    const server = await start(startHttpsServer());
    const port = server.port;
    await server.close();
    const r = await one(`https://127.0.0.1:${port}/ok`, { ca: [caCert], http1Only: true, timeout: 5000 });
    expect(r.error).toMatchObject({ code: 'refused', message: `connection refused by 127.0.0.1:${port}` });
  });

  it('is not used when the certificate is checked against neither the SNI nor the address: TCP, then TLS on it, read through events', async () => {
    // An IP servername is not sent as SNI, and node's own connect would check the certificate
    // against the address it dials, not that name.
    const server = await start(startHttpsServer());
    const connector = counting();
    const buffered: boolean[] = [];
    const watching: Connector = {
      ...connector,
      tcp(address, family, port, readInto) {
        buffered.push(readInto !== undefined);
        return connector.tcp(address, family, port, readInto);
      },
    };
    const r = await one(`https://localhost:${server.port}/ok`, {
      http1Only: true,
      insecure: true,
      servername: '127.0.0.2',
      resolve: { [`localhost:${server.port}`]: '127.0.0.1' },
      timeout: 5000,
      connector: watching,
    });
    expect(r).toMatchObject({ ok: true, status: 200 });
    expect(connector.calls).toEqual({ tcp: 1, tls: 1, tlsDirect: 0 });
    // The TCP socket under TLS does not read into the shared buffer: TLS reads it.
    expect(buffered).toEqual([false]);
  });

  it('is not used when h2 is offered, through a proxy, or with compressed', async () => {
    const server = await start(startHttpsServer());
    const proxy = await start(startProxyServer());
    for (const options of [
      {},
      { http1Only: true, proxy: { https: proxy.url } },
      { http1Only: true, compressed: true },
    ]) {
      const connector = counting();
      const r = await one(`${server.url}/ok`, { ca: [caCert], timeout: 5000, connector, ...options });
      expect(r).toMatchObject({ ok: true, status: 200 });
      expect(connector.calls).toMatchObject({ tls: 1, tlsDirect: 0 });
    }
  });
});
