import { connect as netConnect, type Socket } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect, type SecureContext, type TLSSocket } from 'node:tls';

/** What the engine needs to make a TLS session over an open TCP socket. */
export interface TlsParams {
  /** SNI; omitted for IP literals (RFC 6066 §3 forbids IP addresses in SNI). */
  servername?: string;
  /**
   * The name the certificate must be valid for: the servername, or the target's IP literal. Given
   * explicitly because the socket may be a tunnel through a proxy, whose address is not the target's.
   */
  checkName: string;
  /** Verify the peer's certificate chain and host name. */
  verify: boolean;
  /** The run's one TLS context (trusted roots, client certificate). */
  secureContext?: SecureContext;
  /** ALPN protocols offered, preferred first (RFC 7301): `h2, http/1.1` unless HTTP/1.1 is forced. */
  alpn: readonly string[];
  /** A session (ticket) from an earlier connection to this origin, to resume (RFC 8446 §2.2). */
  session?: Buffer;
}

/**
 * The only place that opens sockets. The engine receives a connector, so tests can hand in their
 * own sockets. A proxy tunnel is a TCP socket from `tcp` to the proxy, then `tls` over it.
 */
/**
 * Reads straight into a caller's buffer (node's `onread`), instead of a fresh Buffer and a
 * 'data' event per read. `callback` gets the view of what was read.
 */
export interface ReadInto {
  buffer: Buffer;
  /** Returning false would pause reading; the engine never does (it parses as it reads). */
  callback(bytes: number, buffer: Buffer): boolean;
}

export interface Connector {
  /** `readInto` is only given for sockets that stay plain TCP (no TLS on top). */
  tcp(address: string, family: number, port: number, readInto?: ReadInto): Socket;
  tls(socket: Socket, params: TlsParams): TLSSocket;
  /**
   * TCP and TLS as one socket whose handshake starts when TCP connects, reading decrypted bytes
   * into `readInto`: node hands a TLS socket's reads to a caller's buffer only when it opened the
   * TCP connection itself. Its 'connect' event is TCP's. The certificate is checked against
   * `params.servername`, or `address` when there is none (so `checkName` must be one of them).
   * Optional: without it, TLS runs over a socket from {@link tcp} and reads through 'data' events.
   */
  tlsDirect?(address: string, family: number, port: number, params: TlsParams, readInto: ReadInto): TLSSocket;
}

export const defaultConnector: Connector = {
  tcp(address, family, port, readInto) {
    // Nagle would hold the request head back waiting for an ACK on every reused connection.
    if (readInto === undefined) return netConnect({ host: address, family, port, noDelay: true });
    return netConnect({ host: address, family, port, noDelay: true, onread: readInto });
  },
  tls(socket, params) {
    return tlsConnect({
      socket,
      ...tlsOptions(params),
      // Without a servername, node checks the certificate against `host` (then the socket's own
      // remote host, which for a tunnel is the proxy's).
      host: params.checkName,
    });
  },
  tlsDirect(address, family, port, params, readInto) {
    // `onread` (used when tls.connect opens the socket itself) and `family` (passed on to
    // net.connect) are in node's tls.connect documentation, not in @types/node's ConnectionOptions.
    const options: ConnectionOptions & { family: number; onread: ReadInto } = {
      host: address,
      family,
      port,
      ...tlsOptions(params),
      onread: readInto,
    };
    const socket = tlsConnect(options);
    // tls.connect takes no noDelay; node forwards this to the TCP handle once it exists.
    socket.setNoDelay(true);
    return socket;
  },
};

function tlsOptions(params: TlsParams): ConnectionOptions {
  return {
    ...(params.servername === undefined ? {} : { servername: params.servername }),
    ...(params.secureContext === undefined ? {} : { secureContext: params.secureContext }),
    rejectUnauthorized: params.verify,
    // Always offered: without ALPN a server could not tell which protocol we speak, and with it
    // an h2-only server fails the handshake clearly when we force HTTP/1.1.
    ALPNProtocols: [...params.alpn],
    ...(params.session === undefined ? {} : { session: params.session }),
  };
}
