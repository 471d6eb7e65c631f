/** Origins whose session is remembered at once; past this, the least recently stored goes. */
export const MAX_TLS_SESSIONS = 10_000;

/**
 * The most recent TLS session (a TLS 1.3 ticket, or a TLS 1.2 session) per origin, offered on
 * the next connection to it so that connection can skip the full handshake (RFC 8446 §2.2). A
 * server that refuses it simply does a full handshake, which stores a new one. Keyed by
 * everything that must match for a resumption to be sound: host, port, server name and the ALPN
 * list (the run's TLS options are the same for every connection, so they need no key).
 */
/** Who the certificate of a session names: a resumed handshake sends no certificate (RFC 8446 §2.2). */
export interface PeerFacts {
  readonly subject: string | null;
  readonly issuer: string | null;
  readonly validTo: string | null;
}

/** A stored session and the certificate it was made with. */
export interface StoredSession {
  readonly session: Buffer;
  readonly peer: PeerFacts | null;
}

export class TlsSessions {
  private readonly sessions = new Map<string, StoredSession>();

  constructor(private readonly max = MAX_TLS_SESSIONS) {}

  static key(hostname: string, port: number, servername: string | undefined, alpn: readonly string[]): string {
    return `${hostname}:${port}|${servername ?? ''}|${alpn.join(',')}`;
  }

  get(key: string): StoredSession | undefined {
    return this.sessions.get(key);
  }

  /**
   * A ticket arrived (TLS 1.3 sends them after the handshake, possibly several): keep the newest,
   * without the server's certificate (see {@link withoutPeerCertificate}).
   */
  set(key: string, stored: StoredSession): void {
    this.sessions.delete(key);
    const session = withoutPeerCertificate(stored.session);
    this.sessions.set(key, session === stored.session ? stored : { session, peer: stored.peer });
    if (this.sessions.size > this.max) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
  }

  /** A session that failed the handshake it was offered in is not offered again. */
  forget(key: string, stored: StoredSession): void {
    if (this.sessions.get(key) === stored) this.sessions.delete(key);
  }
}

/** One DER element: its tag, and where its contents start and end. */
interface Element {
  readonly tag: number;
  readonly start: number;
  readonly end: number;
}

/** The DER element at `at`, or null when its header or length does not fit in `der`. */
function elementAt(der: Buffer, at: number, limit: number): Element | null {
  if (at + 2 > limit) return null;
  const tag = der[at]!;
  let length = der[at + 1]!;
  let start = at + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes === 0 || bytes > 3 || start + bytes > limit) return null;
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + der[start + i]!;
    start += bytes;
  }
  const end = start + length;
  return end > limit ? null : { tag, start, end };
}

/** A DER length field for `length` bytes of contents. */
function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** SSL_SESSION_ASN1's `peer [3] EXPLICIT X509 OPTIONAL` (OpenSSL ssl/ssl_asn1.c). */
const PEER_TAG = 0xa3;
/** TLS 1.3 in the session's `ssl_version` INTEGER. */
const TLS13 = 0x0304;

/**
 * A TLS 1.3 session (node's serialized OpenSSL SSL_SESSION) without the server's certificate.
 * Node parses a session each time it is offered, twice per connection (TLSSocket's constructor
 * and `tls.connect` both call SSL_set_session), and decoding the certificate's public key is
 * nearly all of that: ~13 % of the CPU of a run of new HTTPS connections (bench/PROFILE.md).
 * Nothing reads the certificate back: node reports no certificate on a resumed connection
 * (a client's peer chain is not serialized), so the certificate facts are kept beside the
 * session ({@link StoredSession.peer}); and a resumed TLS 1.3 connection passes node's
 * verification without one (RFC 8446 §2.2: the PSK authenticates it, as the first handshake
 * verified the certificate). TLS 1.2 sessions are left whole: node fails their resumption
 * without a certificate. Anything that does not parse as expected is returned unchanged.
 */
export function withoutPeerCertificate(session: Buffer): Buffer {
  const outer = elementAt(session, 0, session.length);
  if (outer === null || outer.tag !== 0x30 || outer.end !== session.length) return session;
  const version = elementAt(session, outer.start, outer.end);
  if (version === null || version.tag !== 0x02) return session;
  const sslVersion = elementAt(session, version.end, outer.end);
  if (sslVersion === null || sslVersion.tag !== 0x02 || sslVersion.end - sslVersion.start !== 2) return session;
  if (session.readUInt16BE(sslVersion.start) !== TLS13) return session;
  for (let at = sslVersion.end; at < outer.end; ) {
    const element = elementAt(session, at, outer.end);
    if (element === null) return session;
    if (element.tag === PEER_TAG) {
      const contents = Buffer.concat([session.subarray(outer.start, at), session.subarray(element.end, outer.end)]);
      return Buffer.concat([Buffer.from([0x30]), derLength(contents.length), contents]);
    }
    at = element.end;
  }
  return session;
}
