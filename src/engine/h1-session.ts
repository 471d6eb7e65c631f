import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ParseError } from '../errors.js';
import type { ErrorCode, Result, TimeoutPhase, TlsInfo } from '../types.js';
import { contentCodings } from './decode.js';
import type { Dialled } from './dial.js';
import type { Exchange } from './exchange.js';
import { ResponseParser, type ParserHandler, type ResponseHead } from './parser.js';
import type { ProxyEndpoint } from './proxy.js';
import { ResponseBody } from './response-body.js';
import type { Session, SessionOptions, SessionOwner, SessionState } from './session.js';
import { describeSocketError } from './socket-errors.js';

/**
 * HTTP/1.1 over one socket, one request at a time (no pipelining). It owns the parser and routes
 * the parser's callbacks to the exchange currently on it. Listeners are bound once per
 * connection, not per request: on a kept-alive connection the per-request cost is a write and a
 * parse. Through an http proxy it sends absolute-form requests (RFC 9112 §3.2.2).
 */
export class H1Session implements Session, ParserHandler {
  readonly protocol = 'h1';
  state: SessionState = 'open';
  exchange: Exchange | null = null;
  /** Requests completed on this connection; > 0 means the next one is a reuse. */
  served = 0;
  /** Set when the connection must not carry another request (extra bytes, Connection: close…). */
  private spent = false;
  /** The current response ended (keep-alive or not, as it said); null while it is still arriving. */
  private ended: { keepAlive: boolean } | null = null;
  /** Reading is paused until the decoder or the disk catches up. */
  private paused = false;
  private body: ResponseBody | null = null;
  private readonly parser: ResponseParser;
  private readonly socket: Socket;
  private readonly sockets: readonly Socket[];
  private readonly proxy: ProxyEndpoint | null;
  readonly remoteAddress: string | null;
  readonly tlsInfo: TlsInfo | null;
  readonly resolving = false;

  constructor(
    private readonly owner: SessionOwner,
    readonly label: string,
    dialled: Dialled,
    private readonly options: SessionOptions,
  ) {
    this.parser = new ResponseParser(this, { maxHeaderBytes: options.maxHeaderBytes });
    this.socket = dialled.socket;
    this.sockets = dialled.sockets;
    this.proxy = dialled.proxy;
    this.remoteAddress = dialled.remoteAddress;
    this.tlsInfo = dialled.tlsInfo;
    const socket = this.socket;
    for (const s of this.sockets) s.on('error', (err: NodeJS.ErrnoException) => this.onSocketError(err));
    if (dialled.relay !== null) dialled.relay.sink = (chunk) => this.onData(chunk);
    else socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('close', () => this.onClose());
  }

  get active(): number {
    return this.exchange === null ? 0 : 1;
  }

  available(): number {
    return this.state === 'open' ? 1 : 0;
  }

  full(): boolean {
    return this.state !== 'open';
  }

  // ---- one request -------------------------------------------------------------------------

  /** Runs `ex` on this connection (freshly opened, or idle and being reused). */
  send(ex: Exchange): void {
    this.state = 'busy';
    this.exchange = ex;
    ex.connection = this;
    ex.phase = 'headers';
    this.ended = null;
    this.body = null;
    this.parser.start(ex.target.method);
    this.socket.write(this.options.transport.requestBytes(ex.target, this.proxy));
  }

  onHead(head: ResponseHead): void {
    const ex = this.exchange;
    if (ex === null) return;
    ex.phase = 'body';
    ex.httpVersion = head.version === 0 ? '1.0' : '1.1';
    ex.onHead(head);
    if (!head.keepAlive) this.spent = true;
    const codings = this.options.transport.compressed ? contentCodings(head.headers) : null;
    this.body = new ResponseBody(ex, codings, this.label, this.options.maxBytes, (code, message) => {
      if (this.exchange === ex) this.failAndClose(code, message);
    });
    ex.startBody(this.owner.continuesAfter(ex, head.status), (message) => {
      if (this.exchange === ex) this.failAndClose('write', message);
    });
  }

  onBody(chunk: Buffer, start: number, end: number): void {
    this.body?.push(chunk, start, end);
  }

  onComplete(keepAlive: boolean): void {
    this.ended = { keepAlive };
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'draining') {
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
    // The parser hands out views, so at most one read's worth was looked at past the limit.
    if (this.body !== null && !this.body.withinLimit()) return;
    if (this.ended !== null) {
      // A response that ends before the bytes we received do (a second response, or a body longer
      // than announced) leaves the stream's framing unknowable: finish this one, reuse nothing.
      if (used < chunk.length) this.spent = true;
      this.responseComplete(ex);
      return;
    }
    if (this.paused) return;
    const wait = this.body?.backpressure() ?? null;
    if (wait !== null) this.pauseUntil(wait);
  }

  /** Stops reading the socket until `wait` calls back. */
  private pauseUntil(wait: (resume: () => void) => void): void {
    const socket = this.socket;
    this.paused = true;
    socket.pause();
    wait(() => {
      this.paused = false;
      if (this.state !== 'closed') socket.resume();
    });
  }

  /** The raw response ended; the exchange ends when its body is decoded and saved. */
  private responseComplete(ex: Exchange): void {
    const body = this.body;
    if (body === null) {
      this.finishExchange(ex);
      return;
    }
    // The connection keeps its slot (and the request its deadline) until then.
    if (this.state === 'busy') this.state = 'draining';
    body.finish(() => {
      if (this.exchange === ex) this.finishExchange(ex);
    });
  }

  private onParseError(err: unknown): void {
    if (err instanceof ParseError) this.failAndClose(err.code, `${err.message} from ${this.label}`);
    else this.failAndClose('protocol', `unexpected parser failure from ${this.label}: ${String(err)}`);
  }

  private finishExchange(ex: Exchange): void {
    this.served++;
    const reusable = this.ended?.keepAlive === true && !this.spent && !ex.closeAfter;
    this.exchange = null;
    this.body = null;
    const result = ex.complete(performance.now());
    if (!reusable) this.destroy();
    else if (this.state !== 'closed') this.state = 'open';
    this.owner.finished(ex, result, this, reusable && this.state === 'open');
  }

  private onEnd(): void {
    if (this.state === 'draining') {
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
      if (this.ended !== null) {
        this.spent = true;
        this.responseComplete(ex);
        return;
      }
    }
    this.peerClosedBeforeResponse(ex, 'closed');
  }

  private onClose(): void {
    if (this.state === 'draining') {
      // The whole response arrived before the close; only its decoding is still running.
      this.spent = true;
      this.markClosed();
      return;
    }
    const ex = this.exchange;
    if (ex !== null && ex.phase !== 'done' && this.state !== 'closed') {
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
      ex.retried = true;
      this.owner.requeue(ex, this);
      return;
    }
    const code: ErrorCode = how === 'reset' ? 'reset' : 'truncated';
    const message =
      how === 'reset'
        ? `connection reset by ${this.label} before the response`
        : `connection closed by ${this.label} before any response byte`;
    this.failAndClose(code, message);
  }

  private onSocketError(err: NodeJS.ErrnoException): void {
    if (this.state === 'closed') return;
    if (this.state === 'draining') {
      this.spent = true;
      return;
    }
    const ex = this.exchange;
    if (ex === null || ex.phase === 'done') {
      this.destroy();
      return;
    }
    if (this.tlsInfo !== null && err.code?.startsWith('ERR_SSL_') === true) {
      // A TLS alert after our side of the handshake finished: in TLS 1.3 the server checks a client
      // certificate only then, so "certificate required" arrives here rather than as a handshake error.
      const hint =
        err.code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'
          ? ' (the server wants a client certificate: --cert/--key)'
          : '';
      this.failAndClose('tls', `TLS alert from ${this.label}: ${err.code}${hint}`);
      return;
    }
    if ((err.code === 'ECONNRESET' || err.code === 'EPIPE') && !this.parser.started) {
      this.peerClosedBeforeResponse(ex, 'reset');
      return;
    }
    const { code, message, phase } = describeSocketError(err, ex.phase, this.label);
    this.failAndClose(code, message, phase);
  }

  // ---- endings -------------------------------------------------------------------------------

  /** Carrier: ends `ex` with an error; the connection is never reused. */
  fail(ex: Exchange, code: ErrorCode, message: string, phase?: TimeoutPhase): void {
    if (this.exchange === ex) this.failAndClose(code, message, phase);
  }

  resolveTimedOut(): void {
    // Never resolving: the name was resolved before this session existed.
  }

  /** Ends the exchange on this connection with an error; the connection is never reused. */
  private failAndClose(code: ErrorCode, message: string, phase?: TimeoutPhase): void {
    const ex = this.exchange;
    this.exchange = null;
    this.body?.destroy();
    this.body = null;
    this.destroy();
    if (ex === null || ex.phase === 'done') return;
    const result: Result = ex.error(performance.now(), code, message, phase);
    this.owner.finished(ex, result, this, false);
  }

  destroy(): void {
    if (this.state === 'closed') return;
    this.markClosed();
    for (const s of this.sockets) s.destroy();
  }

  private markClosed(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.owner.closed(this);
  }
}
