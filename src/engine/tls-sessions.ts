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

  /** A ticket arrived (TLS 1.3 sends them after the handshake, possibly several): keep the newest. */
  set(key: string, stored: StoredSession): void {
    this.sessions.delete(key);
    this.sessions.set(key, stored);
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
