/**
 * Shared plumbing for every test server: a raw `net` (or `tls`) server on 127.0.0.1 port 0 whose
 * exact bytes are ours, that counts what it accepted and tears everything down on `close()`.
 * Fixtures are small `onConnection` functions on top of {@link rawServer}.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { ServerRequest } from './request-reader.js';

/** What every test server returns. The counters are live (getters). */
export interface TestServer {
  port: number;
  /** `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  /** TCP connections accepted so far, counted server side. */
  readonly connections: number;
  /** Complete request heads (and bodies) received so far. */
  readonly requests: number;
  /** Connections currently open; drops to 0 once clients go away. */
  readonly openConnections: number;
  /** Bytes handed to the TCP sockets so far (on the wire for TLS; includes bytes still queued). */
  readonly bytesWritten: number;
  /** The requests received, in arrival order (the first 10 000). */
  readonly received: readonly ServerRequest[];
  /** Stops listening, destroys every accepted socket and cancels every timer. */
  close(): Promise<void>;
}

/** Per-connection helpers handed to a fixture. */
export interface ConnectionContext {
  /** The accepted socket (a `TLSSocket` after the handshake for TLS servers). */
  readonly socket: net.Socket;
  /** 0-based number of this connection (for TLS: of completed handshakes) on its server. */
  readonly index: number;
  /** Runs `fn` after `ms` unless the socket is gone by then. Returns a cancel function. */
  later(ms: number, fn: () => void): () => void;
  /** Runs `fn` every `ms` until the socket is gone. Returns a cancel function. */
  every(ms: number, fn: () => void): () => void;
  /** Counts a complete request on the server (and logs it in `received`). */
  record(req: ServerRequest): void;
}

export interface RawServerOptions {
  /** Serve TLS with these options (key, cert, …); the fixture runs after the handshake. */
  tls?: tls.TlsOptions;
}

const MAX_LOG = 10_000;

export function rawServer(
  onConnection: (ctx: ConnectionContext) => void,
  options: RawServerOptions = {},
): Promise<TestServer> {
  /** Accepted TCP sockets: what the counters describe. */
  const tcp = new Set<net.Socket>();
  /** Every socket to destroy on close (TCP sockets and the TLS sockets over them). */
  const all = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const received: ServerRequest[] = [];
  let connections = 0;
  let handshakes = 0;
  let requests = 0;
  let closedBytes = 0;

  const track = (socket: net.Socket): void => {
    all.add(socket);
    // A client that resets us must not crash the test run; the fixture sees 'close'.
    socket.on('error', () => {});
    socket.once('close', () => all.delete(socket));
  };

  const serve = (socket: net.Socket, index: number): void => {
    // Write boundaries are part of what some fixtures test (one byte per interval), so do not
    // let Nagle coalesce them.
    socket.setNoDelay(true);
    const owned = new Set<NodeJS.Timeout>();
    const clear = (t: NodeJS.Timeout): void => {
      clearTimeout(t);
      owned.delete(t);
      timers.delete(t);
    };
    socket.once('close', () => owned.forEach(clear));
    const ctx: ConnectionContext = {
      socket,
      index,
      later(ms, fn) {
        const t = setTimeout(() => {
          clear(t);
          if (!socket.destroyed) fn();
        }, ms);
        owned.add(t);
        timers.add(t);
        return () => clear(t);
      },
      every(ms, fn) {
        const t = setInterval(() => {
          if (socket.destroyed) clear(t);
          else fn();
        }, ms);
        owned.add(t);
        timers.add(t);
        return () => clear(t);
      },
      record(req) {
        requests += 1;
        if (received.length < MAX_LOG) received.push(req);
      },
    };
    onConnection(ctx);
  };

  const server = options.tls === undefined ? net.createServer() : tls.createServer(options.tls);
  // 'connection' fires for the raw TCP socket on both kinds of server, before any TLS, so the
  // count is of accepted TCP connections and every raw socket is destroyed by close().
  server.on('connection', (socket: net.Socket) => {
    const index = connections;
    connections += 1;
    track(socket);
    tcp.add(socket);
    socket.once('close', () => {
      tcp.delete(socket);
      closedBytes += socket.bytesWritten;
    });
    if (options.tls === undefined) serve(socket, index);
  });
  if (server instanceof tls.Server) {
    server.on('secureConnection', (socket: tls.TLSSocket) => {
      track(socket);
      // Numbered by completed handshakes; equals the TCP number unless a handshake failed.
      serve(socket, handshakes++);
    });
    // A client refusing our certificate aborts the handshake; that is the expected outcome.
    server.on('tlsClientError', () => {});
  }

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      const { port } = server.address() as net.AddressInfo;
      const scheme = options.tls === undefined ? 'http' : 'https';
      resolve({
        port,
        url: `${scheme}://127.0.0.1:${port}`,
        get connections() {
          return connections;
        },
        get requests() {
          return requests;
        },
        get openConnections() {
          return tcp.size;
        },
        get bytesWritten() {
          let live = 0;
          for (const s of tcp) live += s.bytesWritten;
          return closedBytes + live;
        },
        received,
        async close() {
          const serverClosed = new Promise<void>((done) => server.close(() => done()));
          for (const t of timers) clearTimeout(t);
          timers.clear();
          // Wait for every socket's own 'close' too, so the counters read 0 once this resolves.
          const socketsClosed = [...all].map(
            (s) => new Promise<void>((done) => (s.closed ? done() : s.once('close', () => done()))),
          );
          for (const s of all) s.destroy();
          await Promise.all([serverClosed, ...socketsClosed]);
        },
      });
    });
  });
}

/**
 * Writes `next()` chunks for as long as the peer reads them, pausing on backpressure (RFC 9112
 * leaves pacing to TCP; a fixture that ignored `write() === false` would buffer without bound).
 * Stops when `next()` returns null, when the socket goes away, or after `limitBytes` (then
 * ends the socket) so no loop is unbounded. Calls `onDone` when `next()` ran out.
 */
export function pump(
  socket: net.Socket,
  next: () => Buffer | string | null,
  options: { limitBytes?: number; onDone?: () => void } = {},
): void {
  const limit = options.limitBytes ?? 256 * 1024 * 1024;
  let sent = 0;
  const loop = (): void => {
    while (!socket.destroyed && socket.writable) {
      const chunk = next();
      if (chunk === null) {
        options.onDone?.();
        return;
      }
      sent += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      if (sent > limit) {
        socket.end();
        return;
      }
      if (!socket.write(chunk)) {
        socket.once('drain', loop);
        return;
      }
    }
  };
  loop();
}

/** Writes `data` unless the socket is already gone (writing to a destroyed socket throws). */
export function send(socket: net.Socket, data: Buffer | string): void {
  if (!socket.destroyed && socket.writable) socket.write(data);
}
