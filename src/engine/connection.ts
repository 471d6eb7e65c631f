import type { LookupAddress } from 'node:dns';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { TLSSocket } from 'node:tls';
import { ParseError } from '../errors.js';
import type { ErrorCode, Result, TlsInfo } from '../types.js';
import type { Engine } from './engine.js';
import type { Exchange } from './exchange.js';
import { ResponseParser, type ResponseHead, type ParserHandler } from './parser.js';
import type { Pool } from './pool.js';
import { describeSocketError } from './socket-errors.js';
import { describeTls } from './tls-info.js';

/**
 * One socket to one origin, carrying one request at a time (no pipelining). It owns the parser and
 * routes the parser's callbacks to the exchange currently on it. Listeners are bound once per
 * connection, not per request: on a kept-alive connection the per-request cost is a write and a
 * parse.
 */
export class Connection implements ParserHandler {
  socket: Socket | null = null;
  exchange: Exchange | null = null;
  /** Requests completed on this connection; > 0 means the next one is a reuse. */
  served = 0;
  closed = false;
  /** Set when the connection must not carry another request (extra bytes, Connection: close…). */
  spent = false;
  /** The address connected (or being connected) to. */
  remoteAddress: string | null = null;
  /** What the TLS handshake established; null for plain TCP or before the handshake. */
  tlsInfo: TlsInfo | null = null;
  private readonly parser: ResponseParser;
  private completed = false;
  private completedKeepAlive = false;
  private addresses: LookupAddress[] = [];
  private addressIndex = 0;
  private tcpSocket: Socket | null = null;

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
    const dnsStart = performance.now();
    this.engine.dns.resolve(this.pool.hostname, (err, addresses, cached) => {
      if (this.closed || this.exchange !== ex) return;
      if (!cached) ex.dns = performance.now() - dnsStart;
      if (err !== null || addresses === null) {
        this.failAndClose('dns', `cannot resolve ${this.pool.hostname}: ${err?.code ?? 'no address'}`);
        return;
      }
      this.addresses = addresses;
      this.addressIndex = 0;
      this.connectTcp();
    });
  }

  private connectTcp(): void {
    const addr = this.addresses[this.addressIndex];
    if (addr === undefined) return;
    const ex = this.exchange;
    if (ex === null) return;
    const tcpStart = performance.now();
    const socket = this.engine.connector.tcp(addr.address, addr.family, this.pool.port);
    this.tcpSocket = socket;
    this.remoteAddress = addr.address;
    socket.on('error', (err: NodeJS.ErrnoException) => this.onTcpError(socket, err));
    socket.once('connect', () => {
      if (this.closed || this.tcpSocket !== socket) return;
      const e = this.exchange;
      if (e === null) return;
      e.connect = performance.now() - tcpStart;
      if (this.pool.tls) this.startTls(socket);
      else this.attach(socket);
    });
  }

  private onTcpError(socket: Socket, err: NodeJS.ErrnoException): void {
    if (this.closed || this.tcpSocket !== socket) return;
    // Before the TCP connection exists, try the host's next address (e.g. localhost → ::1, then
    // 127.0.0.1) while the connect budget lasts.
    if (this.socket === null && this.exchange?.phase === 'connect' && this.addressIndex + 1 < this.addresses.length) {
      socket.destroy();
      this.addressIndex++;
      this.connectTcp();
      return;
    }
    this.onSocketError(err);
  }

  private startTls(socket: Socket): void {
    const ex = this.exchange;
    if (ex === null) return;
    ex.phase = 'tls';
    const tlsStart = performance.now();
    const hostname = this.pool.hostname;
    const tlsSocket: TLSSocket = this.engine.connector.tls(socket, {
      ...(hostname.includes(':') || /^[\d.]+$/.test(hostname) ? {} : { servername: hostname }),
      verify: !this.engine.insecure,
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
    this.parser.start(ex.target.method);
    socket.write(this.engine.requestBytes(ex.target));
  }

  onHead(head: ResponseHead): void {
    const ex = this.exchange;
    if (ex === null) return;
    ex.phase = 'body';
    ex.onHead(head);
    if (!head.keepAlive) this.spent = true;
  }

  onBody(chunk: Buffer, start: number, end: number): void {
    const ex = this.exchange;
    if (ex === null) return;
    ex.onBody(chunk, start, end);
  }

  onComplete(keepAlive: boolean): void {
    this.completed = true;
    this.completedKeepAlive = keepAlive;
  }

  private onData(chunk: Buffer): void {
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
    // Checked whether or not this read also completed the response: a body over the limit is
    // too_large however the server's writes happened to be split (a small body arriving in one read
    // must not pass where the same bytes in two reads fail). The parser hands out views, so at most
    // one read's worth was looked at past the limit.
    if (this.engine.maxBytes !== undefined && ex.bytes > this.engine.maxBytes) {
      this.failAndClose('too_large', `body from ${this.pool.label} over --max-bytes ${this.engine.maxBytes} (read ${ex.bytes} bytes)`);
      return;
    }
    if (this.completed) {
      // A response that ends before the bytes we received do (a second response, or a body longer
      // than announced) leaves the stream's framing unknowable: finish this one, reuse nothing.
      if (used < chunk.length) this.spent = true;
      this.finishExchange(ex);
    }
  }

  private onParseError(err: unknown): void {
    if (err instanceof ParseError) this.failAndClose(err.code, `${err.message} from ${this.pool.label}`);
    else this.failAndClose('protocol', `unexpected parser failure from ${this.pool.label}: ${String(err)}`);
  }

  private finishExchange(ex: Exchange): void {
    this.served++;
    const reusable = this.completedKeepAlive && !this.spent && !ex.closeAfter;
    this.exchange = null;
    const result = ex.complete(performance.now());
    if (!reusable) this.destroy();
    this.engine.finished(ex, result, this, reusable && !this.closed);
  }

  private onEnd(): void {
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
        this.finishExchange(ex);
        return;
      }
    }
    this.peerClosedBeforeResponse(ex, 'closed');
  }

  private onClose(): void {
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
    const ex = this.exchange;
    if (ex === null || ex.phase === 'done') {
      this.destroy();
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
  failAndClose(code: ErrorCode, message: string, phase?: 'connect' | 'tls' | 'headers' | 'body'): void {
    const ex = this.exchange;
    this.exchange = null;
    this.destroy();
    if (ex === null || ex.phase === 'done') return;
    const result: Result = ex.error(performance.now(), code, message, phase);
    this.engine.finished(ex, result, this, false);
  }

  destroy(): void {
    if (this.closed) return;
    this.markClosed();
    this.socket?.destroy();
    if (this.tcpSocket !== this.socket) this.tcpSocket?.destroy();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.pool.connectionClosed(this);
  }
}
