import type { TLSSocket } from 'node:tls';
import type { TlsInfo } from '../types.js';

const DAY_MS = 86_400_000;

/**
 * What a smoke check wants to know about a TLS session: the protocol and cipher negotiated, and
 * who the certificate names and how long it has left (`expect.certDaysLeft`). Read once per
 * connection, after the handshake.
 */
export function describeTls(socket: TLSSocket, now = Date.now()): TlsInfo {
  const cert = socket.getPeerCertificate();
  const hasCert = cert !== null && typeof cert === 'object' && Object.keys(cert).length > 0;
  const expires = hasCert && cert.valid_to ? Date.parse(cert.valid_to) : NaN;
  const cipher = socket.getCipher();
  return {
    protocol: socket.getProtocol() ?? null,
    cipher: cipher?.standardName ?? cipher?.name ?? null,
    subject: hasCert ? distinguishedName(cert.subject) : null,
    issuer: hasCert ? distinguishedName(cert.issuer) : null,
    validTo: Number.isNaN(expires) ? null : new Date(expires).toISOString(),
    daysLeft: Number.isNaN(expires) ? null : Math.floor((expires - now) / DAY_MS),
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
