/**
 * HTTP/2 servers for the engine's h2 tests (node:http2), on 127.0.0.1 port 0: TLS with ALPN
 * (`h2`, and `http/1.1` when asked), or cleartext h2c. They count what the tests assert on:
 * connections, TLS resumptions, streams at once per connection.
 */
import type { AddressInfo } from 'node:net';
import {
  createSecureServer,
  createServer,
  type Http2Server,
  type Http2SecureServer,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
  type Settings,
} from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { serverCert, serverKey } from './certs.js';

export interface H2Context {
  /** The stream's connection, as the server numbers them (0, 1, …). */
  connection: number;
  session: ServerHttp2Session;
}

export type H2Handler = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, ctx: H2Context) => void;

export interface H2ServerOptions {
  /** TLS with ALPN (default); false: cleartext h2c (prior knowledge only). */
  tls?: boolean;
  /** Also answer HTTP/1.1 (ALPN `http/1.1`) through node's compatibility layer. */
  allowHTTP1?: boolean;
  settings?: Settings;
  /** Answers every stream; default: 200 with the path as the body. */
  handler?: H2Handler;
}

export interface H2Server {
  /** `https://127.0.0.1:port` or `http://127.0.0.1:port`. */
  readonly url: string;
  readonly port: number;
  /** Connections accepted (TCP). */
  connections: number;
  /** TLS handshakes that resumed a session / that were full. */
  resumed: number;
  full: number;
  /** Requests served over HTTP/1.1 (allowHTTP1). */
  http1: number;
  /** Streams served over HTTP/2. */
  streams: number;
  /** Most streams open at once on any one connection. */
  peakStreams: number;
  close(): Promise<void>;
}

const defaultHandler: H2Handler = (stream, headers) => {
  stream.respond({ ':status': 200, 'content-type': 'text/plain' });
  stream.end(String(headers[':path']));
};

export async function startH2Server(options: H2ServerOptions = {}): Promise<H2Server> {
  const handler = options.handler ?? defaultHandler;
  const tls = options.tls ?? true;
  const state = { connections: 0, resumed: 0, full: 0, http1: 0, streams: 0, peakStreams: 0 };
  const sockets = new Set<import('node:net').Socket>();
  const server: Http2Server | Http2SecureServer = tls
    ? createSecureServer({
        cert: serverCert,
        key: serverKey,
        allowHTTP1: options.allowHTTP1 ?? false,
        ...(options.settings === undefined ? {} : { settings: options.settings }),
      })
    : createServer(options.settings === undefined ? {} : { settings: options.settings });
  server.on('connection', (socket: import('node:net').Socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  if (tls) {
    server.on('secureConnection', (socket: TLSSocket) => {
      if (socket.isSessionReused()) state.resumed++;
      else state.full++;
    });
  }
  const numbers = new WeakMap<ServerHttp2Session, { n: number; open: number }>();
  let next = 0;
  server.on('session', (session: ServerHttp2Session) => {
    numbers.set(session, { n: next++, open: 0 });
    session.on('error', () => {});
  });
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    const session = stream.session as ServerHttp2Session;
    const info = numbers.get(session) ?? { n: -1, open: 0 };
    state.streams++;
    info.open++;
    if (info.open > state.peakStreams) state.peakStreams = info.open;
    stream.on('close', () => info.open--);
    stream.on('error', () => {});
    handler(stream, headers, { connection: info.n, session });
  });
  if (options.allowHTTP1) {
    server.on('request', (req, res) => {
      if (req.httpVersion !== '1.1') return;
      state.http1++;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(req.url);
    });
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const result: H2Server = {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    get connections() {
      return state.connections;
    },
    get resumed() {
      return state.resumed;
    },
    get full() {
      return state.full;
    },
    get http1() {
      return state.http1;
    },
    get streams() {
      return state.streams;
    },
    get peakStreams() {
      return state.peakStreams;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  } as H2Server;
  return result;
}
