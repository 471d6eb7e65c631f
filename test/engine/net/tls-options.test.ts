/**
 * TLS options against local TLS servers with the committed test certificates: extra trusted
 * roots (`ca`), client certificates (`cert`/`key`), a server name override (`servername`), the
 * `tls` field of results (fresh and reused connections), and `expect.certDaysLeft`.
 */
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { runTargets } from '../../../src/engine/run.js';
import type { Result } from '../../../src/types.js';
import { caCert, clientCert, clientKey, selfSignedCert, serverKey } from '../../helpers/certs.js';
import { response, send, startHttpServer, startHttpsServer } from '../../helpers/servers.js';
import { byIndex, one, prepare, run } from '../harness.js';
import { closeAfterEach } from '../../helpers/track.js';

const start = closeAfterEach();

const DAY_MS = 86_400_000;

/** The checks every HTTPS result's `tls` field must pass, against the certificate we know it has. */
function expectTlsInfo(r: Result, subject: string, issuer: string): void {
  expect(r.tls).not.toBeNull();
  const tls = r.tls!;
  expect(tls.protocol).toMatch(/^TLSv1\.[23]$/);
  expect(tls.cipher).toMatch(/^TLS_|^ECDHE-/);
  expect(tls.subject).toBe(subject);
  expect(tls.issuer).toBe(issuer);
  // Every fixture except `expired` is valid until 2075-01-01.
  expect(tls.validTo).toBe('2075-01-01T00:00:00.000Z');
  const expected = Math.floor((Date.parse('2075-01-01T00:00:00Z') - Date.now()) / DAY_MS);
  expect(Number.isInteger(tls.daysLeft)).toBe(true);
  expect(Math.abs(tls.daysLeft! - expected)).toBeLessThanOrEqual(1);
}

describe('ca: extra trusted roots', () => {
  it('trusts a self-signed server whose certificate is given as ca, and reports its TLS session', async () => {
    const server = await start(startHttpsServer({ cert: 'self-signed' }));
    const r = await one(`${server.url}/ok`, { ca: [selfSignedCert], timeout: 5000 });
    expect(r).toMatchObject({ ok: true, status: 200, error: null, remoteAddress: '127.0.0.1' });
    expect(r.timings.tls).not.toBeNull();
    expectTlsInfo(r, 'CN=localhost', 'CN=localhost');
  });

  it('without ca the same server fails verification with error tls', async () => {
    const server = await start(startHttpsServer({ cert: 'self-signed' }));
    const r = await one(`${server.url}/ok`, { timeout: 5000 });
    expect(r.error?.code).toBe('tls');
    expect(r.error?.message).toMatch(/SELF_SIGNED/);
    expect(r.tls).toBeNull();
  });

  it('trusts a chain through a CA given as ca, for localhost and for 127.0.0.1', async () => {
    const server = await start(startHttpsServer());
    const results = byIndex(
      await run([`${server.url}/ok`, `https://localhost:${server.port}/ok`], { ca: [caCert], timeout: 5000 }),
    );
    for (const r of results) {
      expect(r).toMatchObject({ ok: true, status: 200 });
      expectTlsInfo(r, 'CN=localhost', 'CN=fetch-many test CA');
    }
  });

  it('keeps trusting NODE_EXTRA_CA_CERTS when ca adds another certificate', async () => {
    // Node adds that file to its default store at start; a `ca` list replaces the store, so the
    // file's certificates must be listed again or a corporate proxy's CA stops being trusted.
    const server = await start(startHttpsServer());
    const saved = process.env.NODE_EXTRA_CA_CERTS;
    try {
      process.env.NODE_EXTRA_CA_CERTS = fileURLToPath(new URL('../../fixtures/tls/ca.pem', import.meta.url));
      const r = await one(`${server.url}/ok`, { ca: [selfSignedCert], timeout: 5000 });
      expect(r).toMatchObject({ ok: true, status: 200, error: null });
      // A file that cannot be read (node warned at start) leaves the user's ca to decide.
      process.env.NODE_EXTRA_CA_CERTS = fileURLToPath(new URL('../../fixtures/tls/no-such-file.pem', import.meta.url));
      const missing = await one(`${server.url}/ok`, { ca: [caCert], timeout: 5000 });
      expect(missing).toMatchObject({ ok: true, status: 200 });
      // One that is not PEM at all is left out the same way.
      process.env.NODE_EXTRA_CA_CERTS = fileURLToPath(new URL('../../fixtures/tls/README.md', import.meta.url));
      const garbage = await one(`${server.url}/ok`, { ca: [caCert], timeout: 5000 });
      expect(garbage).toMatchObject({ ok: true, status: 200 });
    } finally {
      if (saved === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
      else process.env.NODE_EXTRA_CA_CERTS = saved;
    }
  });

  it('reports the session on reused connections too', async () => {
    const server = await start(startHttpsServer());
    const urls = Array.from({ length: 6 }, () => `${server.url}/ok`);
    const results = await run(urls, { ca: [caCert], concurrency: 1, perHost: 1, timeout: 5000 });
    expect(server.connections).toBe(1);
    expect(results.filter((r) => r.reused)).toHaveLength(5);
    for (const r of results) {
      expect(r.ok).toBe(true);
      expectTlsInfo(r, 'CN=localhost', 'CN=fetch-many test CA');
      expect(r.tls).toEqual(results[0]!.tls);
    }
  });

  it('has no tls on plain http', async () => {
    const server = await start(startHttpServer());
    const r = await one(`${server.url}/ok`, { ca: [caCert], timeout: 5000 });
    expect(r).toMatchObject({ ok: true, tls: null });
    expect(r.timings.tls).toBeNull();
  });

  it('refuses a certificate and key that do not belong together before any request', () => {
    const targets = prepare(['https://127.0.0.1:1/']);
    expect(() => runTargets(targets, { cert: clientCert, key: serverKey }, () => {})).toThrow(UsageError);
    expect(() => runTargets(targets, { cert: clientCert, key: serverKey }, () => {})).toThrow(/cannot use/);
  });
});

describe('cert/key: client certificates', () => {
  it('passes a server that requires a client certificate when given one', async () => {
    const server = await start(startHttpsServer({ requireClientCert: true }));
    const r = await one(`${server.url}/ok`, { ca: [caCert], cert: clientCert, key: clientKey, timeout: 5000 });
    expect(r).toMatchObject({ ok: true, status: 200, error: null });
    expect(server.requests).toBe(1);
  });

  it('fails with error tls, saying a client certificate is wanted, without one', async () => {
    const server = await start(startHttpsServer({ requireClientCert: true }));
    const r = await one(`${server.url}/ok`, { ca: [caCert], timeout: 5000 });
    expect(r.ok).toBe(false);
    expect(r.status).toBeNull();
    expect(r.error?.code).toBe('tls');
    expect(r.error?.message).toMatch(/CERTIFICATE_REQUIRED|certificate/i);
    expect(server.requests).toBe(0);
  });

  it('keeps working under concurrency: 40 mTLS requests over several connections', async () => {
    const server = await start(startHttpsServer({ requireClientCert: true }));
    const urls = Array.from({ length: 40 }, (_, i) => `${server.url}/bytes/${i + 1}`);
    const results = byIndex(
      await run(urls, { ca: [caCert], cert: clientCert, key: clientKey, concurrency: 100, timeout: 10_000 }),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results.map((r) => r.bytes)).toEqual(urls.map((_, i) => i + 1));
  });
});

describe('servername', () => {
  it('makes a certificate for another name pass when the name matches, and sends it as SNI', async () => {
    let sni: string | false | null | undefined;
    const server = await start(
      startHttpsServer({
        cert: 'wrong-host',
        routes: {
          '/sni': (_req, ctx) => {
            sni = (ctx.socket as TLSSocket).servername;
            send(ctx.socket, response(200, 'sni'));
          },
        },
      }),
    );
    const r = await one(`${server.url}/sni`, { ca: [caCert], servername: 'wrong.example', timeout: 5000 });
    expect(r).toMatchObject({ ok: true, status: 200, error: null });
    expect(r.tls?.subject).toBe('CN=wrong.example');
    expect(sni).toBe('wrong.example');
  });

  it('without it the same certificate fails the host check', async () => {
    const server = await start(startHttpsServer({ cert: 'wrong-host' }));
    const r = await one(`${server.url}/ok`, { ca: [caCert], timeout: 5000 });
    expect(r.error?.code).toBe('tls');
    expect(r.error?.message).toMatch(/ALTNAME|does not match/i);
  });

  it('a servername the certificate does not name fails, even when the URL host would pass', async () => {
    const server = await start(startHttpsServer());
    const r = await one(`https://localhost:${server.port}/ok`, {
      ca: [caCert],
      servername: 'wrong.example',
      timeout: 5000,
    });
    expect(r.error?.code).toBe('tls');
  });

  it('keeps the Host header of the URL', async () => {
    const server = await start(startHttpsServer({ cert: 'wrong-host' }));
    const r = await one(`${server.url}/echo`, { ca: [caCert], servername: 'wrong.example', timeout: 5000 });
    expect(r.ok).toBe(true);
    expect(server.received[0]?.header('host')).toBe(`127.0.0.1:${server.port}`);
  });
});

describe('expect.certDaysLeft', () => {
  it('passes when the certificate lasts long enough', async () => {
    const server = await start(startHttpsServer());
    const r = await one({ url: `${server.url}/ok`, expect: { certDaysLeft: 30 } }, { ca: [caCert], timeout: 5000 });
    expect(r).toMatchObject({ ok: true, failures: [] });
  });

  it('fails with the days left and the minimum when it does not', async () => {
    const server = await start(startHttpsServer());
    const r = await one(
      { url: `${server.url}/ok`, expect: { certDaysLeft: 100_000 } },
      { ca: [caCert], timeout: 5000 },
    );
    expect(r.ok).toBe(false);
    expect(r.error).toBeNull();
    expect(r.status).toBe(200);
    expect(r.failures).toEqual([`certificate expires in ${r.tls!.daysLeft} days (< 100000)`]);
  });

  it('checks the certificate of a reused connection too', async () => {
    const server = await start(startHttpsServer());
    const targets = [1, 2, 3].map(() => ({ url: `${server.url}/ok`, expect: { certDaysLeft: 100_000 } }));
    const results = await run(targets, { ca: [caCert], concurrency: 1, perHost: 1, timeout: 5000 });
    expect(results.some((r) => r.reused)).toBe(true);
    for (const r of results)
      expect(r.failures).toEqual([expect.stringMatching(/^certificate expires in \d+ days \(< 100000\)$/)]);
  });

  it('says an expired certificate (accepted with insecure) has expired', async () => {
    const server = await start(startHttpsServer({ cert: 'expired' }));
    const r = await one({ url: `${server.url}/ok`, expect: { certDaysLeft: 7 } }, { insecure: true, timeout: 5000 });
    expect(r.status).toBe(200);
    expect(r.tls?.daysLeft).toBeLessThan(0);
    expect(r.failures).toEqual([`certificate expired ${-r.tls!.daysLeft!} days ago (< 7)`]);
  });

  it('fails with "no TLS certificate" on plain http', async () => {
    const server = await start(startHttpServer());
    const r = await one({ url: `${server.url}/ok`, expect: { certDaysLeft: 1 } }, { timeout: 5000 });
    expect(r).toMatchObject({ ok: false, status: 200, error: null, failures: ['no TLS certificate'] });
  });

  it('is checked alongside the other expectations', async () => {
    const server = await start(startHttpsServer());
    const r = await one(
      { url: `${server.url}/status/503`, expect: { status: '200', certDaysLeft: 100_000 } },
      { ca: [caCert], timeout: 5000 },
    );
    expect(r.failures).toHaveLength(2);
    expect(r.failures[0]).toBe('status 503 not in 200');
    expect(r.failures[1]).toMatch(/^certificate expires in/);
  });
});
