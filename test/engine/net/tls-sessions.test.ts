/**
 * The sessions kept for resumption carry no server certificate (node would decode its public key
 * each time a session is offered): TLS 1.3 sessions lose it and still resume, TLS 1.2 sessions
 * and anything unexpected are kept whole.
 */
import type { AddressInfo } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { connect, createServer, type SecureVersion, type Server, type TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { TlsSessions, withoutPeerCertificate } from '../../../src/engine/net/tls-sessions.js';
import { caCert, serverCert, serverKey } from '../../helpers/certs.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

/** A TLS server that answers one line and closes; counts resumed handshakes. */
async function tlsServer(maxVersion: SecureVersion): Promise<{ port: number; resumed: () => number }> {
  let resumed = 0;
  const server = createServer({ cert: serverCert, key: serverKey, maxVersion }, (socket) => {
    if (socket.isSessionReused()) resumed++;
    socket.end('hi\n');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, resumed: () => resumed };
}

/** Connects (offering `session`), reads to the end; the newest session the server gave, and whether it resumed. */
async function handshake(port: number, session?: Buffer): Promise<{ session: Buffer | null; reused: boolean }> {
  return await new Promise((resolve, reject) => {
    let last: Buffer | null = null;
    let reused = false;
    const socket: TLSSocket = connect({
      host: '127.0.0.1',
      port,
      ca: [caCert],
      ...(session === undefined ? {} : { session }),
    });
    socket.on('session', (s: Buffer) => (last = s));
    socket.on('secureConnect', () => (reused = socket.isSessionReused()));
    socket.on('error', reject);
    socket.on('data', () => {});
    socket.on('close', () => resolve({ session: last, reused }));
  });
}

/** The session a full handshake with the server hands out. */
async function session(port: number): Promise<Buffer> {
  const { session } = await handshake(port);
  if (session === null) throw new Error('the server sent no session');
  return session;
}

const certDer = new X509Certificate(serverCert).raw;

describe('withoutPeerCertificate', () => {
  it('drops the certificate from a TLS 1.3 session, which still resumes and verifies', async () => {
    const server = await tlsServer('TLSv1.3');
    const first = await session(server.port);
    expect(first.includes(certDer)).toBe(true);
    const stripped = withoutPeerCertificate(first);
    expect(stripped.includes(certDer)).toBe(false);
    expect(stripped.length).toBeLessThan(first.length - certDer.length);
    expect((await handshake(server.port, stripped)).reused).toBe(true);
    expect((await handshake(server.port, stripped)).reused).toBe(true);
    expect(server.resumed()).toBe(2);
  });

  it('keeps TLS 1.2 sessions whole (node does not resume them without the certificate)', async () => {
    const server = await tlsServer('TLSv1.2');
    const first = await session(server.port);
    expect(withoutPeerCertificate(first)).toBe(first);
    expect((await handshake(server.port, first)).reused).toBe(true);
  });

  it('returns anything that is not a session as it is', () => {
    for (const bytes of [
      Buffer.alloc(0),
      Buffer.from([0x30]),
      Buffer.from([0x30, 0x05, 0x02, 0x01]),
      Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]),
      Buffer.from('not a session'),
      // A SEQUENCE of version 1, ssl_version 0x0304, then a truncated element.
      Buffer.from([0x30, 0x09, 0x02, 0x01, 0x01, 0x02, 0x02, 0x03, 0x04, 0xa3, 0x10]),
    ]) {
      expect(withoutPeerCertificate(bytes)).toBe(bytes);
    }
  });

  it('re-encodes the outer length in long form when needed', () => {
    const filler = Buffer.alloc(300, 0x41);
    const inner = Buffer.concat([
      Buffer.from([0x02, 0x01, 0x01, 0x02, 0x02, 0x03, 0x04]),
      Buffer.from([0x04, 0x82, 0x01, 0x2c]),
      filler,
      Buffer.from([0xa3, 0x03, 0x04, 0x01, 0x00]),
      Buffer.from([0xa5, 0x03, 0x02, 0x01, 0x00]),
    ]);
    const session = Buffer.concat([Buffer.from([0x30, 0x82, inner.length >> 8, inner.length & 0xff]), inner]);
    const out = withoutPeerCertificate(session);
    const expected = Buffer.concat([
      Buffer.from([0x02, 0x01, 0x01, 0x02, 0x02, 0x03, 0x04]),
      Buffer.from([0x04, 0x82, 0x01, 0x2c]),
      filler,
      Buffer.from([0xa5, 0x03, 0x02, 0x01, 0x00]),
    ]);
    expect(out).toEqual(
      Buffer.concat([Buffer.from([0x30, 0x82, expected.length >> 8, expected.length & 0xff]), expected]),
    );
  });
});

describe('TlsSessions', () => {
  it('stores TLS 1.3 sessions without the certificate, keeping its facts beside them', async () => {
    const server = await tlsServer('TLSv1.3');
    const fresh = await session(server.port);
    const sessions = new TlsSessions();
    const peer = { subject: 'CN=localhost', issuer: 'CN=fetch-many test CA', validTo: null };
    sessions.set('k', { session: fresh, peer });
    const stored = sessions.get('k');
    expect(stored?.peer).toBe(peer);
    expect(stored?.session.includes(certDer)).toBe(false);
    expect((await handshake(server.port, stored!.session)).reused).toBe(true);
  });
});
