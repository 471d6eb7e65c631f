import type { LookupAddress } from 'node:dns';
import { isIP, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { TLSSocket } from 'node:tls';
import { ParseError } from '../errors.js';
import type { ErrorCode, Result, TimeoutPhase, TlsInfo } from '../types.js';
import { BodyDecoder, contentCodings, type Coding, type DecodeError } from './decode.js';
import type { Engine } from './engine.js';
import type { Exchange } from './exchange.js';
import { ResponseParser, type ResponseHead, type ParserHandler } from './parser.js';
import type { Pool } from './pool.js';
import { awaitTunnel, connectRequest, type ProxyEndpoint } from './proxy.js';
import { describeSocketError } from './socket-errors.js';
import { describeTls } from './tls-info.js';
import { dnsFailure } from './dns-failure.js';
import { ConnectRace } from './happy-eyeballs.js';

/**
 * The buffer plain sockets read into (see connectTcp). One is enough for the whole process:
 * reads are delivered one at a time, and each is consumed before the next.
 */
const readBuffer = Buffer.allocUnsafe(64 * 1024);

/**
 * One socket to one origin, carrying one request at a time (no pipelining). It owns the parser and
 * routes the parser's callbacks to the exchange currently on it. Listeners are bound once per
 * connection, not per request: on a kept-alive connection the per-request cost is a write and a
 * parse.
 *
 * Through a proxy, the socket goes to the proxy: for an http origin it carries absolute-form
 * requests (RFC 9112 §3.2.2); for an https origin it is first turned into a tunnel with CONNECT
 * (RFC 9110 §9.3.6), then TLS runs over it to the origin.
 */
export class Connection implements ParserHandler {
  socket: Socket | null = null;
  exchange: Exchange | null = null;
  /** Requests completed on this connection; > 0 means the next one is a reuse. */
  served = 0;
  closed = false;
  /** Set when the connection must not carry another request (extra bytes, Connection: close…). */
  spent = false;
  /** The address connected (or being connected) to: the server's, or the proxy's. */
  remoteAddress: string | null = null;
  /** What the TLS handshake established; null for plain TCP or before the handshake. */
  tlsInfo: TlsInfo | null = null;
  private readonly parser: ResponseParser;
  private completed = false;
  private completedKeepAlive = false;
  /** Still resolving the name: a connect timeout now is the resolver's (see resolveTimedOut). */
  resolving = false;
  /** The connection attempts still racing, or null. */
  private race: ConnectRace | null = null;
  private tcpSocket: Socket | null = null;
  /** The TCP handshake completed: from here on, a failure is not a reason to try the next address. */
  private tcpConnected = false;
  /** The proxy this connection goes through, or null. */
  private proxy: ProxyEndpoint | null = null;
  /** Still reaching the proxy (TCP, then CONNECT): failures here are the proxy's (error `proxy`). */
  private proxyStage = false;
  /** Codings to undo on the current response (`compressed` and an encoded response), or null. */
  private codings: Coding[] | null = null;
  /** Made on the first body byte of an encoded response. */
  private decoder: BodyDecoder | null = null;
  /** The raw response is complete; waiting for the decoder to deliver the rest. */
  private draining = false;
  /** Reading is paused until the decoder drains. */
  private paused = false;

  constructor(
    readonly pool: Pool,
    private readonly engine: Engine,
  ) {
    this.parser = new ResponseParser(this, { maxHeaderBytes: engine.maxHeaderBytes });
  }

  // ---- establishing ------------------------------------------------------------------------

  /** Opens the connection on behalf of `ex`, which then runs on it. */
  open(ex: Exchange): void {
    this.exchange = ex;
    ex.connection = this;
    ex.phase = 'connect';
    const transport = this.engine.transport;
    const proxy = transport.proxyFor(this.pool.tls, this.pool.hostname, this.pool.port);
    this.proxy = proxy;
    this.proxyStage = proxy !== null;
    const host = proxy === null ? this.pool.hostname : proxy.hostname;
    const port = proxy === null ? this.pool.port : proxy.port;
    // curl's --resolve: a pinned name skips DNS (so reports no DNS phase) and keeps its name for
    // Host and SNI.
    const pinned = transport.pinned(host, port);
    if (pinned !== undefined) {
      this.connectTcp(pinned, port);
      return;
    }
    let dnsStart = performance.now();
    this.resolving = true;
    this.engine.dns.resolve(
      host,
      (err, addresses, cached) => {
        if (this.closed || this.exchange !== ex) return;
        this.resolving = false;
        if (!cached) ex.dns = performance.now() - dnsStart;
        if (err !== null || addresses === null) {
          const what = proxy === null ? host : `proxy ${proxy.label}`;
          this.failAndClose(proxy === null ? 'dns' : 'proxy', `cannot resolve ${what}: ${dnsFailure(err?.code)}`);
          return;
        }
        this.connectTcp(addresses, port);
      },
      (queued) => {
        // Waiting for a lookup slot (dnsConcurrency) is queue time: the request's clock, and so
        // its connect deadline, stops until the lookup starts (issue 15).
        if (this.closed || this.exchange !== ex) return;
        const now = performance.now();
        if (queued) ex.pauseClock(now);
        else {
          ex.resumeClock(now);
          dnsStart = now;
        }
      },
    );
  }

  /**
   * Races connections to the addresses (Happy Eyeballs, RFC 8305); the winner carries the
   * request. `connect` covers the whole race.
   */
  private connectTcp(addresses: readonly LookupAddress[], port: number): void {
    const ex = this.exchange;
    if (ex === null) return;
    const tcpStart = performance.now();
    // Plain http without decoding reads into the run's one shared buffer: every byte is parsed (or
    // copied by the parser) before the callback returns, so nothing keeps a view into it. TLS
    // reads through its own layer; a decoder holds on to the chunks it is given. (A body being
    // saved copies what it queues: see Exchange.onBody.) Only the winning socket of a Happy
    // Eyeballs race ever reads: the others are closed before any request is sent.
    const plain = !this.pool.tls && !this.engine.transport.compressed;
    const connector = this.engine.connector;
    const race = new ConnectRace(addresses, {
      open: (addr) =>
        plain
          ? connector.tcp(addr.address, addr.family, port, { buffer: readBuffer, callback: this.onRead })
          : connector.tcp(addr.address, addr.family, port),
      attempting: (addr) => {
        this.remoteAddress = addr.address;
      },
      won: (socket, addr) => this.tcpWon(socket, addr, tcpStart),
      lost: (err) => this.tcpLost(err),
    });
    this.race = race;
    race.start();
  }

  private tcpWon(socket: Socket, addr: LookupAddress, tcpStart: number): void {
    this.race = null;
    this.tcpSocket = socket;
    this.remoteAddress = addr.address;
    socket.on('error', (err: NodeJS.ErrnoException) => this.onSocketError(err));
    if (this.closed) {
      socket.destroy();
      return;
    }
    const e = this.exchange;
    if (e === null) return;
    this.tcpConnected = true;
    if (this.proxy !== null && this.pool.tls) {
      this.openTunnel(socket, this.proxy, tcpStart);
      return;
    }
    e.connect = performance.now() - tcpStart;
    this.proxyStage = false;
    if (this.pool.tls) this.startTls(socket);
    else this.attach(socket);
  }

  private tcpLost(err: NodeJS.ErrnoException): void {
    this.race = null;
    if (this.closed) return;
    if ((err.code === 'EMFILE' || err.code === 'ENFILE') && this.exchange !== null) {
      // No socket could be made at all: not the target's fault (see Engine.outOfDescriptors).
      const ex = this.exchange;
      this.exchange = null;
      this.destroy();
      this.engine.outOfDescriptors(ex, this, err.code);
      return;
    }
    this.onSocketError(err);
  }

  /** The connect timeout ran out while the name was still being resolved: the resolver's silence. */
  resolveTimedOut(budget: number, which: string): void {
    const what = this.proxy === null ? this.pool.hostname : `proxy ${this.proxy.label}`;
    const message = `cannot resolve ${what}: no answer from the DNS server within ${budget} ms (${which})`;
    this.failAndClose(this.proxy === null ? 'dns' : 'proxy', message);
  }

  /** CONNECT through the proxy; TLS to the origin starts when the proxy answers 2xx. */
  private openTunnel(socket: Socket, proxy: ProxyEndpoint, tcpStart: number): void {
    const { hostname, port, label } = this.pool;
    awaitTunnel(socket, proxy, label, (outcome) => {
      if (this.closed || this.tcpSocket !== socket) return;
      const e = this.exchange;
      if (e === null) return;
      if (!outcome.open) {
        this.failAndClose('proxy', outcome.failure);
        return;
      }
      // `connect` covers reaching the origin: TCP to the proxy and its CONNECT answer.
      e.connect = performance.now() - tcpStart;
      this.proxyStage = false;
      this.startTls(socket);
    });
    socket.write(connectRequest(proxy, hostname, port));
  }

  private startTls(socket: Socket): void {
    const ex = this.exchange;
    if (ex === null) return;
    ex.phase = 'tls';
    const tlsStart = performance.now();
    const transport = this.engine.transport;
    const name = transport.servername ?? this.pool.hostname;
    const tlsSocket: TLSSocket = this.engine.connector.tls(socket, {
      ...(isIP(name) === 0 ? { servername: name } : {}),
      checkName: name,
      verify: !this.engine.insecure,
      secureContext: transport.secureContext(),
    });
    this.socket = tlsSocket;
    tlsSocket.on('error', (err: NodeJS.ErrnoException) => this.onSocketError(err));
    tlsSocket.once('secureConnect', () => {
      if (this.closed) return;
      const e = this.exchange;
      if (e === null) return;
      e.tls = performance.now() - tlsStart;
      this.tlsInfo = describeTls(tlsSocket);
      this.attach(tlsSocket);
    });
  }

  /** node's `onread` callback for plain sockets: the bytes read sit at the start of `buffer`. */
  private readonly onRead = (bytes: number, buffer: Buffer): boolean => {
    this.onData(buffer.subarray(0, bytes));
    return true;
  };

  /** The transport is ready: listen for the response and send the request. */
  private attach(socket: Socket): void {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('close', () => this.onClose());
    const ex = this.exchange;
    if (ex !== null) this.send(ex);
  }

  // ---- one request -------------------------------------------------------------------------

  /** Runs `ex` on this connection (freshly opened, or idle and being reused). */
  send(ex: Exchange): void {
    const socket = this.socket;
    if (socket === null) return;
    this.exchange = ex;
    ex.connection = this;
    ex.phase = 'headers';
    this.completed = false;
    this.codings = null;
    this.parser.start(ex.target.method);
    // Through a proxy only http origins use absolute-form; a tunnel carries origin-form requests.
    const viaProxy = this.pool.tls ? null : this.proxy;
    socket.write(this.engine.transport.requestBytes(ex.target, viaProxy));
  }

  onHead(head: ResponseHead): void {
    const ex = this.exchange;
    if (ex === null) return;
    ex.phase = 'body';
    ex.onHead(head);
    if (!head.keepAlive) this.spent = true;
    if (this.engine.transport.compressed) this.codings = contentCodings(head.headers);
    ex.startBody(this.engine.continuesAfter(ex, head.status), (message) => {
      if (this.exchange === ex) this.failAndClose('write', message);
    });
  }

  onBody(chunk: Buffer, start: number, end: number): void {
    const ex = this.exchange;
    if (ex === null) return;
    if (this.codings === null) {
      ex.onBody(chunk, start, end);
      return;
    }
    // `bytes` stays the bytes on the wire; the decoded ones are counted (and matched) as they come.
    ex.bytes += end - start;
    let decoder = this.decoder;
    if (decoder === null) {
      decoder = this.startDecoder(ex, this.codings);
      this.decoder = decoder;
    }
    decoder.write(chunk.subarray(start, end));
  }

  onComplete(keepAlive: boolean): void {
    this.completed = true;
    this.completedKeepAlive = keepAlive;
  }

  private startDecoder(ex: Exchange, codings: Coding[]): BodyDecoder {
    ex.decodedBytes = 0;
    return new BodyDecoder(
      codings,
      (decoded) => {
        ex.onDecoded(decoded);
        // The disk is behind: hold zlib's output too, or a small compressed read could inflate
        // into any amount of queued data. zlib then stops taking input, and reading stops.
        const body = ex.body;
        const decoder = this.decoder;
        if (body?.backlogged && decoder !== null && body.file !== null) {
          decoder.pauseOutput();
          body.file.onceDrained(() => decoder.resumeOutput());
        }
      },
      (err) => {
        if (this.exchange === ex) this.decodeFailed(err);
      },
    );
  }

  private decodeFailed(err: DecodeError): void {
    this.failAndClose('protocol', `cannot decode ${err.coding} body from ${this.pool.label}: ${err.message}`);
  }

  private onData(chunk: Buffer): void {
    if (this.draining) {
      // Bytes after a complete response, while its decoding finishes: the framing can't be
      // trusted for another request; the response we have stands.
      this.spent = true;
      return;
    }
    const ex = this.exchange;
    if (ex === null || ex.phase === 'done') {
      // Bytes nobody asked for: whatever they are, the connection's framing can't be trusted.
      this.destroy();
      return;
    }
    if (ex.firstByte === null) ex.firstByte = performance.now() - ex.start;
    let used: number;
    try {
      used = this.parser.execute(chunk);
    } catch (err) {
      this.onParseError(err);
      return;
    }
    // A callback during the parse may have ended the exchange (and this connection) already.
    if (this.exchange !== ex) return;
    // Checked whether or not this read also completed the response: a body over the limit is
    // too_large however the server's writes happened to be split (a small body arriving in one read
    // must not pass where the same bytes in two reads fail). The parser hands out views, so at most
    // one read's worth was looked at past the limit.
    if (this.engine.maxBytes !== undefined && ex.bytes > this.engine.maxBytes) {
      this.failAndClose(
        'too_large',
        `body from ${this.pool.label} over --max-bytes ${this.engine.maxBytes} (read ${ex.bytes} bytes)`,
      );
      return;
    }
    if (this.completed) {
      // A response that ends before the bytes we received do (a second response, or a body longer
      // than announced) leaves the stream's framing unknowable: finish this one, reuse nothing.
      if (used < chunk.length) this.spent = true;
      this.responseComplete(ex);
      return;
    }
    if (this.paused || this.socket === null) return;
    const decoder = this.decoder;
    if (decoder?.backlogged) {
      // zlib is behind: stop reading until it catches up, so undecoded input cannot pile up.
      this.pauseUntil((resume) => decoder.onceDrained(resume));
      return;
    }
    const file = ex.body?.file;
    if (file?.backlogged) {
      // The disk is behind (outputDir): the same, so a slow disk slows this download, not memory.
      this.pauseUntil((resume) => file.onceDrained(resume));
    }
  }

  /** Stops reading the socket until `wait` calls back. */
  private pauseUntil(wait: (resume: () => void) => void): void {
    const socket = this.socket;
    if (socket === null) return;
    this.paused = true;
    socket.pause();
    wait(() => {
      this.paused = false;
      if (!this.closed) socket.resume();
    });
  }

  /** The raw response ended; with a decoder, the exchange ends when decoding does. */
  private responseComplete(ex: Exchange): void {
    const decoder = this.decoder;
    if (decoder === null) {
      this.bodyComplete(ex);
      return;
    }
    // The connection keeps its slot (and the request its deadline) until the decoder has
    // delivered the last byte: bodyIncludes and decodedBytes are only known then.
    this.draining = true;
    decoder.end((err) => {
      if (this.exchange !== ex) return;
      this.draining = false;
      this.decoder = null;
      if (err !== null) this.decodeFailed(err);
      else this.bodyComplete(ex);
    });
  }

  /**
   * Every body byte has been delivered: a saved body is written out and renamed before the
   * result, so `savedTo` names a complete file (and a write error still fails the target).
   */
  private bodyComplete(ex: Exchange): void {
    const file = ex.body?.file ?? null;
    if (file === null) {
      this.finishExchange(ex);
      return;
    }
    this.draining = true;
    file.finish((err) => {
      if (this.exchange !== ex) return;
      this.draining = false;
      if (err !== null) this.failAndClose('write', err.message);
      else this.finishExchange(ex);
    });
  }

  private onParseError(err: unknown): void {
    if (err instanceof ParseError) this.failAndClose(err.code, `${err.message} from ${this.pool.label}`);
    else this.failAndClose('protocol', `unexpected parser failure from ${this.pool.label}: ${String(err)}`);
  }

  private finishExchange(ex: Exchange): void {
    this.served++;
    const reusable = this.completedKeepAlive && !this.spent && !ex.closeAfter;
    this.exchange = null;
    this.decoder = null;
    const result = ex.complete(performance.now());
    if (!reusable) this.destroy();
    this.engine.finished(ex, result, this, reusable && !this.closed);
  }

  private onEnd(): void {
    if (this.draining) {
      this.spent = true;
      return;
    }
    const ex = this.exchange;
    if (ex === null || ex.phase === 'done') {
      this.destroy();
      return;
    }
    if (ex.phase === 'body' || this.parser.started) {
      try {
        this.parser.finish();
      } catch (err) {
        this.onParseError(err);
        return;
      }
      if (this.completed) {
        this.spent = true;
        this.responseComplete(ex);
        return;
      }
    }
    this.peerClosedBeforeResponse(ex, 'closed');
  }

  private onClose(): void {
    if (this.draining) {
      // The whole response arrived before the close; only its decoding is still running.
      this.spent = true;
      this.markClosed();
      return;
    }
    const ex = this.exchange;
    if (ex !== null && ex.phase !== 'done' && !this.closed) {
      this.peerClosedBeforeResponse(ex, 'closed');
      return;
    }
    this.markClosed();
  }

  /** The peer closed or reset the connection before the response began. */
  private peerClosedBeforeResponse(ex: Exchange, how: 'closed' | 'reset'): void {
    if (this.parser.started) {
      try {
        this.parser.finish();
      } catch (err) {
        this.onParseError(err);
        return;
      }
    }
    // RFC 9112 §9.3.1: a kept-alive connection the server closed while our request was on its way
    // is not the target's fault. Retry once on a fresh connection — only when nothing of the
    // response arrived and the method is idempotent (RFC 9110 §9.2.2).
    if (this.served > 0 && !this.parser.started && !ex.retried && ex.idempotent) {
      this.exchange = null;
      this.destroy();
      this.engine.retryStale(ex, this);
      return;
    }
    const code: ErrorCode = how === 'reset' ? 'reset' : 'truncated';
    const message =
      how === 'reset'
        ? `connection reset by ${this.pool.label} before the response`
        : `connection closed by ${this.pool.label} before any response byte`;
    this.failAndClose(code, message);
  }

  private onSocketError(err: NodeJS.ErrnoException): void {
    if (this.closed) return;
    if (this.draining) {
      this.spent = true;
      return;
    }
    const ex = this.exchange;
    if (ex === null || ex.phase === 'done') {
      this.destroy();
      return;
    }
    if (this.proxyStage && this.proxy !== null) {
      this.failAndClose('proxy', proxyFailure(this.proxy, err, this.tcpConnected));
      return;
    }
    if (this.pool.tls && ex.phase !== 'tls' && err.code?.startsWith('ERR_SSL_') === true) {
      // A TLS alert after our side of the handshake finished: in TLS 1.3 the server checks a client
      // certificate only then, so "certificate required" arrives here rather than as a handshake error.
      const hint =
        err.code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'
          ? ' (the server wants a client certificate: --cert/--key)'
          : '';
      this.failAndClose('tls', `TLS alert from ${this.pool.label}: ${err.code}${hint}`);
      return;
    }
    if ((err.code === 'ECONNRESET' || err.code === 'EPIPE') && (ex.phase === 'headers' || ex.phase === 'body')) {
      if (!this.parser.started) {
        this.peerClosedBeforeResponse(ex, 'reset');
        return;
      }
    }
    const { code, message, phase } = describeSocketError(err, ex.phase, this.pool.label);
    this.failAndClose(code, message, phase);
  }

  // ---- endings -------------------------------------------------------------------------------

  /** Ends the exchange on this connection with an error; the connection is never reused. */
  failAndClose(code: ErrorCode, message: string, phase?: TimeoutPhase): void {
    const ex = this.exchange;
    this.exchange = null;
    this.draining = false;
    this.decoder?.destroy();
    this.decoder = null;
    this.destroy();
    if (ex === null || ex.phase === 'done') return;
    let result: Result;
    if (code === 'timeout' && this.proxyStage && this.proxy !== null) {
      // The engine's deadline ran out while we were still reaching the proxy: the proxy's fault.
      const what = this.tcpConnected ? 'did not answer CONNECT in time' : 'did not accept the connection in time';
      result = ex.error(performance.now(), 'proxy', `proxy ${this.proxy.label} ${what}: ${message}`);
    } else {
      result = ex.error(performance.now(), code, message, phase);
    }
    this.engine.finished(ex, result, this, false);
  }

  destroy(): void {
    if (this.closed) return;
    this.markClosed();
    this.race?.cancel();
    this.race = null;
    this.socket?.destroy();
    if (this.tcpSocket !== this.socket) this.tcpSocket?.destroy();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.pool.connectionClosed(this);
  }
}

/** A socket error while reaching the proxy, as one line naming the proxy. */
function proxyFailure(proxy: ProxyEndpoint, err: NodeJS.ErrnoException, connected: boolean): string {
  const errno = err.code ?? 'error';
  if (errno === 'ECONNREFUSED') return `proxy ${proxy.label} refused the connection (${errno})`;
  if (errno === 'ECONNRESET' || errno === 'EPIPE') {
    return `proxy ${proxy.label} reset the connection ${connected ? 'during CONNECT' : 'while connecting'} (${errno})`;
  }
  return `cannot reach proxy ${proxy.label}: ${errno}`;
}
