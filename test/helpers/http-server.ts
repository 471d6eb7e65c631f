/**
 * The well-behaved server: keep-alive HTTP/1.1 over raw `net` (or `tls`), with a fixed set of
 * routes tests can rely on, plus any routes a test adds.
 *
 *   /, /ok          200, body `ok`
 *   /bytes/N        N bytes of {@link patternBytes}, Content-Length
 *   /chunked/N      the same N bytes in up to 4 chunks (one write per chunk)
 *   /status/NNN     that status; 204/304 without body; a 1xx (not 101) is sent first, then a 200
 *   /slow/MS        the /ok response after MS ms
 *   /close          200 with `Connection: close`, then the server closes (FIN)
 *   /echo           body = the raw request head + body, as received
 *   /never          never answers (later requests on that connection wait forever too)
 *   anything else   404
 */
import type { Socket } from 'node:net';
import { serverCerts, caCert, type TlsCertName } from './certs.js';
import { pump, rawServer, send, type ConnectionContext, type TestServer } from './raw-server.js';
import { onRequests, type ServerRequest } from './request-reader.js';
import { chunk, head, LAST_CHUNK, patternBytes, response, type ResponseHeaders } from './response.js';

/** A test-supplied route. Resolve the promise when the response is fully written. */
export type RouteHandler = (req: ServerRequest, ctx: ConnectionContext) => void | Promise<void>;
/** Extra routes by exact path (query ignored); they win over the built-in ones. */
export type Routes = Readonly<Record<string, RouteHandler>>;

export interface HttpServerOptions {
  /** Close (FIN) a connection idle this long after a response, like a server's keep-alive timeout. */
  idleTimeoutMs?: number;
}

export interface HttpsServerOptions extends HttpServerOptions {
  /** Which certificate to present. @default 'ca-signed' */
  cert?: TlsCertName;
  routes?: Routes;
  /** Require a client certificate signed by the test CA (mTLS). @default false */
  requireClientCert?: boolean;
}

export function startHttpServer(routes: Routes = {}, options: HttpServerOptions = {}): Promise<TestServer> {
  return rawServer((ctx) => serveHttp(ctx, routes, options));
}

export function startHttpsServer(options: HttpsServerOptions = {}): Promise<TestServer> {
  const { cert = 'ca-signed', routes = {}, requireClientCert = false } = options;
  return rawServer((ctx) => serveHttp(ctx, routes, options), {
    tls: {
      ...serverCerts[cert],
      // Offer h1 in ALPN so a client that asks for it gets an answer.
      ALPNProtocols: ['http/1.1'],
      ...(requireClientCert ? { requestCert: true, rejectUnauthorized: true, ca: caCert } : {}),
    },
  });
}

/** A TLS server presenting the named certificate, serving the same routes. */
export function startTlsServer(options: { cert: TlsCertName }): Promise<TestServer> {
  return startHttpsServer(options);
}

function serveHttp(ctx: ConnectionContext, routes: Routes, options: HttpServerOptions): void {
  let cancelIdle = (): void => {};
  const armIdle = (): void => {
    if (options.idleTimeoutMs !== undefined) cancelIdle = ctx.later(options.idleTimeoutMs, () => ctx.socket.end());
  };
  ctx.socket.on('data', () => cancelIdle());
  armIdle();
  onRequests(ctx, async (req) => {
    const path = req.target.split('?')[0] ?? '';
    const custom = routes[path];
    await (custom ? custom(req, ctx) : builtIn(req, ctx, path));
    // RFC 9112 §9.6: a client's `Connection: close` (or HTTP/1.0 without keep-alive, §9.3)
    // means this was the last response on the connection.
    const conn = req.header('connection')?.toLowerCase() ?? '';
    if (conn.includes('close') || (req.version === 'HTTP/1.0' && !conn.includes('keep-alive'))) {
      ctx.socket.end();
    } else {
      armIdle();
    }
  });
}

/** Sends a response; for HEAD the body is left out but the framing headers stay (RFC 9110 §9.3.2). */
function reply(socket: Socket, req: ServerRequest, bytes: Buffer): void {
  if (req.method !== 'HEAD') {
    send(socket, bytes);
    return;
  }
  const end = bytes.indexOf('\r\n\r\n');
  send(socket, bytes.subarray(0, end + 4));
}

function builtIn(req: ServerRequest, ctx: ConnectionContext, path: string): void | Promise<void> {
  const { socket } = ctx;
  const text: ResponseHeaders = [['Content-Type', 'text/plain']];
  const [, route = '', arg = ''] = /^\/([a-z]*)(?:\/(.*))?$/.exec(path) ?? [];
  const n = Number(arg);
  const numeric = /^\d+$/.test(arg);

  switch (route) {
    case '':
    case 'ok':
      return reply(socket, req, response(200, 'ok', text));
    case 'bytes':
      if (!numeric) break;
      return streamPattern(ctx, req, n);
    case 'chunked':
      if (!numeric) break;
      return sendChunked(socket, req, n);
    case 'status':
      // 101 would switch protocols; there is nothing sensible to send after it.
      if (!numeric || n < 100 || n > 599 || n === 101) break;
      return sendStatus(socket, req, n);
    case 'slow':
      if (!numeric) break;
      return new Promise((done) =>
        ctx.later(n, () => {
          reply(socket, req, response(200, 'ok', text));
          done();
        }),
      );
    case 'close':
      reply(socket, req, response(200, 'ok', [...text, ['Connection', 'close']]));
      socket.end();
      return;
    case 'echo':
      return reply(
        socket,
        req,
        response(200, Buffer.concat([req.head, req.body]), [['Content-Type', 'application/octet-stream']]),
      );
    case 'never':
      return new Promise(() => {});
  }
  return reply(socket, req, response(404, `no route ${path}`, text));
}

/** Large bodies are streamed with backpressure instead of allocated whole. */
function streamPattern(ctx: ConnectionContext, req: ServerRequest, length: number): Promise<void> {
  send(
    ctx.socket,
    head(200, [
      ['Content-Type', 'application/octet-stream'],
      ['Content-Length', String(length)],
    ]),
  );
  if (req.method === 'HEAD') return Promise.resolve();
  let offset = 0;
  return new Promise((done) =>
    pump(
      ctx.socket,
      () => {
        if (offset >= length) return null;
        const piece = patternBytes(Math.min(64 * 1024, length - offset), offset);
        offset += piece.length;
        return piece;
      },
      { onDone: done, limitBytes: Number.MAX_SAFE_INTEGER },
    ),
  );
}

function sendChunked(socket: Socket, req: ServerRequest, length: number): void {
  send(
    socket,
    head(200, [
      ['Content-Type', 'application/octet-stream'],
      ['Transfer-Encoding', 'chunked'],
    ]),
  );
  if (req.method === 'HEAD') return;
  const size = Math.max(1, Math.ceil(length / 4));
  for (let offset = 0; offset < length; offset += size) {
    send(socket, chunk(patternBytes(Math.min(size, length - offset), offset)));
  }
  send(socket, LAST_CHUNK);
}

function sendStatus(socket: Socket, req: ServerRequest, status: number): void {
  if (status < 200) {
    // An interim response is not an answer (RFC 9110 §15.2); follow it with the final one.
    send(socket, head(status, status === 103 ? [['Link', '</style.css>; rel=preload']] : []));
    reply(socket, req, response(200, 'ok'));
    return;
  }
  // RFC 9110 §8.6: no Content-Length in a 204; §15.4.5: a 304 has no body.
  if (status === 204 || status === 304) {
    send(socket, head(status));
    return;
  }
  reply(socket, req, response(status, `status ${status}`, [['Content-Type', 'text/plain']]));
}
