import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

/** What the engine needs to make a TLS session over an open TCP socket. */
export interface TlsParams {
  /** SNI and certificate host name; omitted for IP literals (RFC 6066 §3 forbids IP addresses in SNI). */
  servername?: string;
  /** Verify the peer's certificate chain and host name. */
  verify: boolean;
}

/**
 * The only place that opens sockets. The engine receives a connector, so tests (and later a proxy
 * tunnel) can hand in their own sockets.
 */
export interface Connector {
  tcp(address: string, family: number, port: number): Socket;
  tls(socket: Socket, params: TlsParams): TLSSocket;
}

export const defaultConnector: Connector = {
  tcp(address, family, port) {
    // Nagle would hold the request head back waiting for an ACK on every reused connection.
    return netConnect({ host: address, family, port, noDelay: true });
  },
  tls(socket, params) {
    return tlsConnect({
      socket,
      ...(params.servername === undefined ? {} : { servername: params.servername }),
      rejectUnauthorized: params.verify,
      // We speak HTTP/1.1 only; without ALPN a server could not tell, with it an h2-only server
      // fails the handshake clearly instead of answering in a protocol we cannot parse.
      ALPNProtocols: ['http/1.1'],
    });
  },
};
