import type { TLSSocket } from 'node:tls';
import type { TlsInfo } from '../../types.js';
import type { PeerFacts } from './tls-sessions.js';

const DAY_MS = 86_400_000;

/**
 * What a smoke check wants to know about a TLS session: the protocol and cipher negotiated, and
 * who the certificate names (`peer`: {@link peerFacts}, or for a resumed handshake, which
 * carries no certificate, the facts of the session it resumed) and how long it has left
 * (`expect.certDaysLeft`). Read once per connection, after the handshake.
 */
export function describeTls(socket: TLSSocket, peer: PeerFacts | null, now = Date.now()): TlsInfo {
  const resumed = socket.isSessionReused();
  const expires = peer?.validTo == null ? NaN : Date.parse(peer.validTo);
  const cipher = socket.getCipher();
  return {
    protocol: socket.getProtocol() ?? null,
    cipher: cipher?.standardName ?? cipher?.name ?? null,
    subject: peer?.subject ?? null,
    issuer: peer?.issuer ?? null,
    validTo: Number.isNaN(expires) ? null : new Date(expires).toISOString(),
    daysLeft: Number.isNaN(expires) ? null : Math.floor((expires - now) / DAY_MS),
    resumed,
  };
}

/** What the certificate the peer sent in this handshake names; null when it sent none. */
export function peerFacts(socket: TLSSocket): PeerFacts | null {
  const cert = socket.getPeerCertificate();
  if (cert === null || typeof cert !== 'object' || Object.keys(cert).length === 0) return null;
  const expires = cert.valid_to ? Date.parse(cert.valid_to) : NaN;
  return {
    subject: distinguishedName(cert.subject),
    issuer: distinguishedName(cert.issuer),
    validTo: Number.isNaN(expires) ? null : new Date(expires).toISOString(),
  };
}

/** `CN=api.example.com, O=Example` from node's parsed certificate name. */
function distinguishedName(name: unknown): string | null {
  if (name === null || typeof name !== 'object') return null;
  const parts: string[] = [];
  for (const [key, value] of Object.entries(name as Record<string, string | string[]>)) {
    parts.push(`${key}=${Array.isArray(value) ? value.join('+') : value}`);
  }
  return parts.length > 0 ? parts.join(', ') : null;
}
