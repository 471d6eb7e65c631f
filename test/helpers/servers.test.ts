/**
 * Proves the well-behaved servers, the TLS fixtures and the certificates behave as named, with
 * a plain net/tls client (the engine is not involved). Hostile fixtures: hostile.test.ts.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import * as certs from './certs.js';
import {
  patternBytes,
  response,
  startHttpServer,
  startHttpsServer,
  startTlsServer,
  type TestServer,
  type TlsCertName,
} from './servers.js';
import { eventually, header, parseResponse, RawClient, request, type ParsedResponse } from './raw-client.js';

const open: Array<{ close(): unknown }> = [];
async function use<T extends { close(): unknown }>(p: Promise<T>): Promise<T> {
  const s = await p;
  open.push(s);
  return s;
}
async function connect(server: TestServer, tlsOptions?: Parameters<typeof RawClient.connect>[1]): Promise<RawClient> {
  const c = await RawClient.connect(server.port, tlsOptions);
  open.push({ close: () => c.destroy() });
  return c;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** Sends `req` and reads exactly one response (after any already consumed bytes). */
async function roundTrip(c: RawClient, req: string, noBody = false): Promise<ParsedResponse> {
  const before = c.data.length;
  c.write(req);
  const data = await c.waitFor((d) => parseResponse(d.subarray(before), noBody) !== null);
  const res = parseResponse(data.subarray(before), noBody);
  if (res === null) throw new Error(`connection ended mid-response: ${data.subarray(before).toString('latin1')}`);
  return res;
}

describe('certificates', () => {
  const ca = new X509Certificate(certs.caCert);
  const now = new Date();
  const load = (cert: string, key: string): X509Certificate => {
    const x = new X509Certificate(cert);
    expect(x.checkPrivateKey(createPrivateKey(key))).toBe(true);
    return x;
  };

  it('the CA is a CA, and the CA-signed server cert covers localhost and 127.0.0.1', () => {
    expect(ca.ca).toBe(true);
    const x = load(certs.serverCert, certs.serverKey);
    expect(x.verify(ca.publicKey)).toBe(true);
    expect(x.checkHost('localhost')).toBe('localhost');
    expect(x.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(new Date(x.validFrom) < now && now < new Date(x.validTo)).toBe(true);
    expect(new Date(x.validTo).getUTCFullYear()).toBeGreaterThan(2070);
  });

  it('the expired cert is CA-signed for localhost but past notAfter', () => {
    const x = load(certs.expiredCert, certs.expiredKey);
    expect(x.verify(ca.publicKey)).toBe(true);
    expect(x.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(new Date(x.validTo) < now).toBe(true);
  });

  it('the wrong-host cert is CA-signed for wrong.example only', () => {
    const x = load(certs.wrongHostCert, certs.wrongHostKey);
    expect(x.verify(ca.publicKey)).toBe(true);
    expect(x.checkHost('wrong.example')).toBe('wrong.example');
    expect(x.checkHost('localhost')).toBeUndefined();
    expect(x.checkIP('127.0.0.1')).toBeUndefined();
  });

  it('the self-signed cert is signed by itself, not by the CA', () => {
    const x = load(certs.selfSignedCert, certs.selfSignedKey);
    expect(x.verify(x.publicKey)).toBe(true);
    expect(x.verify(ca.publicKey)).toBe(false);
    expect(x.checkIP('127.0.0.1')).toBe('127.0.0.1');
  });

  it('the client cert is CA-signed for client authentication', () => {
    const x = load(certs.clientCert, certs.clientKey);
    expect(x.verify(ca.publicKey)).toBe(true);
    expect(x.keyUsage).toContain('1.3.6.1.5.5.7.3.2'); // id-kp-clientAuth
  });
});

describe('startHttpServer', () => {
  it('serves the built-in routes on one kept-alive connection', async () => {
    const server = await use(startHttpServer());
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const c = await connect(server);

    const ok = await roundTrip(c, request('/ok'));
    expect([ok.status, ok.body.toString()]).toEqual([200, 'ok']);
    expect((await roundTrip(c, request('/'))).body.toString()).toBe('ok');

    const bytes = await roundTrip(c, request('/bytes/200000'));
    expect(header(bytes, 'content-length')).toBe('200000');
    expect(bytes.body.equals(patternBytes(200_000))).toBe(true);

    const chunked = await roundTrip(c, request('/chunked/1001'));
    expect(header(chunked, 'transfer-encoding')).toBe('chunked');
    expect(chunked.body.equals(patternBytes(1001))).toBe(true);
    expect((await roundTrip(c, request('/chunked/0'))).body.length).toBe(0);

    expect((await roundTrip(c, request('/status/503'))).status).toBe(503);
    const noContent = await roundTrip(c, request('/status/204'));
    expect([noContent.status, header(noContent, 'content-length')]).toEqual([204, undefined]);
    expect((await roundTrip(c, request('/nope'))).status).toBe(404);
    expect((await roundTrip(c, request('/slow/20'))).body.toString()).toBe('ok');

    expect(server.connections).toBe(1);
    expect(server.requests).toBe(9);
    expect(server.received.map((r) => r.target)).toContain('/bytes/200000');
  });

  it('/chunked/N sends several chunks', async () => {
    const server = await use(startHttpServer());
    const c = await connect(server);
    const res = await roundTrip(c, request('/chunked/100'));
    const sizes = c.data
      .subarray(c.data.indexOf('\r\n\r\n') + 4)
      .toString('latin1')
      .split('\r\n')
      .filter((_, i) => i % 2 === 0)
      .filter((l) => l !== '');
    expect(sizes).toEqual(['19', '19', '19', '19', '0']); // 4 × 25 bytes, in hex, then the last chunk
    expect(res.body.length).toBe(100);
  });

  it('/echo returns exactly the request head and body it received', async () => {
    const server = await use(startHttpServer());
    const c = await connect(server);
    const sent = 'POST /echo?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: t/1\r\nContent-Length: 5\r\n\r\nhello';
    const res = await roundTrip(c, sent);
    expect(res.body.toString('latin1')).toBe(sent);
    const [got] = server.received;
    expect(got?.method).toBe('POST');
    expect(got?.target).toBe('/echo?x=1');
    expect(got?.header('user-agent')).toBe('t/1');
    expect(got?.body.toString()).toBe('hello');
  });

  it('answers pipelined requests in order', async () => {
    const server = await use(startHttpServer());
    const c = await connect(server);
    c.write(request('/slow/20') + request('/status/201'));
    const data = await c.waitFor((d) => {
      const first = parseResponse(d);
      return first !== null && parseResponse(d.subarray(first.length)) !== null;
    });
    const first = parseResponse(data);
    expect(first?.status).toBe(200);
    expect(parseResponse(data.subarray(first?.length ?? 0))?.status).toBe(201);
  });

  it('HEAD gets the framing headers and no body', async () => {
    const server = await use(startHttpServer());
    const c = await connect(server);
    const res = await roundTrip(c, request('/bytes/100', 'HEAD'), true);
    expect(header(res, 'content-length')).toBe('100');
    // Had a body followed, this would read its bytes as the next status line.
    expect((await roundTrip(c, request('/ok'))).status).toBe(200);
  });

  it('/status/103 sends the interim response, then a final 200', async () => {
    const server = await use(startHttpServer());
    const c = await connect(server);
    const interim = await roundTrip(c, request('/status/103'));
    expect(interim.status).toBe(103);
    expect(header(interim, 'link')).toContain('preload');
    const data = await c.waitFor((d) => parseResponse(d.subarray(interim.length)) !== null);
    expect(parseResponse(data.subarray(interim.length))?.status).toBe(200);
  });

  it('/close answers with Connection: close and then closes', async () => {
    const server = await use(startHttpServer());
    const c = await connect(server);
    const res = await roundTrip(c, request('/close'));
    expect(header(res, 'connection')).toBe('close');
    expect(await c.ended).toBe('fin');
  });

  it("honours the client's Connection: close", async () => {
    const server = await use(startHttpServer());
    const c = await connect(server);
    expect((await roundTrip(c, request('/ok', 'GET', 'Connection: close\r\n'))).status).toBe(200);
    expect(await c.ended).toBe('fin');
  });

  it('/never parks its connection while others are served', async () => {
    const server = await use(startHttpServer());
    const parked = await connect(server);
    parked.write(request('/never') + request('/ok'));
    await eventually(() => server.requests === 2, 'both requests read');
    const other = await connect(server);
    expect((await roundTrip(other, request('/ok'))).status).toBe(200);
    expect(parked.data.length).toBe(0);
  });

  it('custom routes win over the built-in ones', async () => {
    const server = await use(startHttpServer({ '/ok': (_req, ctx) => void ctx.socket.write(response(299, 'mine')) }));
    const c = await connect(server);
    const res = await roundTrip(c, request('/ok?q'));
    expect([res.status, res.body.toString()]).toEqual([299, 'mine']);
  });

  it('idleTimeoutMs closes an idle kept-alive connection', async () => {
    const server = await use(startHttpServer({}, { idleTimeoutMs: 20 }));
    const c = await connect(server);
    expect((await roundTrip(c, request('/ok'))).status).toBe(200);
    expect(await c.ended).toBe('fin');
  });

  it('answers a malformed request with 400 and closes', async () => {
    const server = await use(startHttpServer());
    const c = await connect(server);
    const res = await roundTrip(c, 'GET /ok HTTP/1.1\r\nBad Header: x\r\n\r\n');
    expect(res.status).toBe(400);
    expect(await c.ended).toBe('fin');
  });
});

describe('startHttpsServer / startTlsServer', () => {
  const httpsGet = async (server: TestServer, options: Parameters<typeof RawClient.connect>[1]): Promise<number> => {
    const c = await connect(server, options);
    return (await roundTrip(c, request('/ok'))).status;
  };

  it('serves the routes over TLS with the CA-signed cert and offers http/1.1 in ALPN', async () => {
    const server = await use(startHttpsServer());
    expect(server.url).toBe(`https://127.0.0.1:${server.port}`);
    const c = await connect(server, { ca: certs.caCert, ALPNProtocols: ['http/1.1'] });
    const tlsSocket = c.socket as import('node:tls').TLSSocket;
    expect(tlsSocket.authorized).toBe(true);
    expect(tlsSocket.alpnProtocol).toBe('http/1.1');
    expect((await roundTrip(c, request('/bytes/10'))).body.equals(patternBytes(10))).toBe(true);
    expect(server.connections).toBe(1);
  });

  const refusals: Array<[TlsCertName, string]> = [
    ['expired', 'CERT_HAS_EXPIRED'],
    ['wrong-host', 'ERR_TLS_CERT_ALTNAME_INVALID'],
    ['self-signed', 'DEPTH_ZERO_SELF_SIGNED_CERT'],
  ];
  it.each(refusals)('a %s cert is refused by a verifying client (%s) and served to --insecure', async (cert, code) => {
    const server = await use(startTlsServer({ cert }));
    await expect(RawClient.connect(server.port, { ca: certs.caCert })).rejects.toMatchObject({ code });
    expect(await httpsGet(server, { rejectUnauthorized: false })).toBe(200);
  });

  it('the self-signed server is trusted when its own cert is the CA', async () => {
    const server = await use(startTlsServer({ cert: 'self-signed' }));
    expect(await httpsGet(server, { ca: certs.selfSignedCert })).toBe(200);
  });

  it('requireClientCert serves a client with the CA-signed client cert and drops one without', async () => {
    const server = await use(startHttpsServer({ requireClientCert: true }));
    expect(await httpsGet(server, { ca: certs.caCert, cert: certs.clientCert, key: certs.clientKey })).toBe(200);

    // In TLS 1.3 the client finishes its side of the handshake first; the refusal arrives as
    // an alert on the next read, so the connection ends with an error and no response.
    const anonymous = await RawClient.connect(server.port, { ca: certs.caCert }).catch(() => null);
    if (anonymous !== null) {
      open.push({ close: () => anonymous.destroy() });
      anonymous.write(request('/ok'));
      expect(await anonymous.ended).not.toBe('fin');
      expect(anonymous.data.length).toBe(0);
    }
    expect(server.requests).toBe(1);
  });
});

describe('close()', () => {
  it('resolves with clients still connected, mid-request, and ends their connections', async () => {
    const server = await startHttpServer();
    const idle = await RawClient.connect(server.port);
    const parked = await RawClient.connect(server.port);
    parked.write(request('/never'));
    const slow = await RawClient.connect(server.port);
    slow.write(request('/slow/60000'));
    await eventually(() => server.requests === 2 && server.openConnections === 3, 'all connected');
    await server.close();
    expect(await Promise.all([idle.ended, parked.ended, slow.ended])).toHaveLength(3);
    expect(server.openConnections).toBe(0);
  });
});
