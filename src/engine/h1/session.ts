import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ParseError } from '../../errors.js';
import type { ErrorCode, FileBody, Result, TimeoutPhase, TlsInfo } from '../../types.js';
import { contentCodings } from '../bodies/decode.js';
import type { Dialled } from '../net/dial.js';
import type { Exchange } from '../exchange.js';
import { ResponseParser, type ParserHandler, type ResponseHead } from './parser.js';
import type { ProxyEndpoint } from '../net/proxy.js';
import { h1RequestFields } from '../heads.js';
import { hostHeader } from './request.js';
import { ResponseBody } from '../bodies/response-body.js';
import { FileUpload } from '../bodies/upload.js';
import type { Session, SessionOptions, SessionOwner, SessionState } from '../session.js';
import { describeSocketError } from '../net/socket-errors.js';

/**
 * HTTP/1.1 over one socket: one request at a time, or — with `pipeline` > 1 — up to
 * that many idempotent requests written back to back, whose responses come in order (RFC 9112
 * §9.3.2). It owns the parser and routes the parser's callbacks to the exchange whose response
 * is arriving. Listeners are bound once per
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
  /** The current response ended; false while it is still arriving. */
  private ended = false;
  /** The current response ended and said the connection may be kept (meaningful once {@link ended}). */
  private endedKeepAlive = false;
  /** Reading is paused until the decoder or the disk catches up. */
  private paused = false;
  private body: ResponseBody | null = null;
  /** A request body being read from its files and written (nothing else is written meanwhile). */
  private upload: FileUpload | null = null;
  /** Waiting for the socket's 'drain' before writing more of {@link upload}. */
  private draining = false;
  /** The exchange whose body {@link upload} is. */
  private uploadOf: Exchange | null = null;
  /**
   * Requests written after {@link exchange}, waiting for their responses, in order. Their
   * responses come after the current one's on the same stream.
   */
  private readonly pipelined: Exchange[] = [];
  /**
   * The server has kept this HTTP/1.1 connection alive after a complete, framed HTTP/1.1 response:
   * only then are requests pipelined on it (never to an HTTP/1.0 server, never after a
   * close-delimited response).
   */
  private pipelineOk = false;
  /** The current response's head said HTTP/1.1. */
  private http11 = false;
  /** When the current exchange's wait for its first byte began: its write, or the end of the response before it. */
  private waitingSince = 0;
  /** Request heads of this turn not written yet (`pipeline` > 1): written together on the next tick. */
  private unsent = '';
  /** The Host value of this connection's requests (its origin's), made for the first one. */
  private host: string | null = null;
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
    return this.exchange === null ? 0 : 1 + this.pipelined.length;
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
    ex.connection = this;
    ex.phase = 'headers';
    this.becomeCurrent(ex, ex.start);
    this.write(ex);
  }

  /** `ex`'s response is the next to arrive; `since` is when its wait for a first byte began. */
  private becomeCurrent(ex: Exchange, since: number): void {
    this.exchange = ex;
    this.waitingSince = since;
    this.ended = false;
    this.body = null;
    this.http11 = false;
    this.parser.start(ex.target.method);
  }

  private write(ex: Exchange): void {
    // Every request on this connection goes to its origin: one Host value for all of them.
    this.host ??= hostHeader(ex.target);
    const bytes = this.options.transport.requestBytes(ex.target, this.proxy, this.host);
    const heads = ex.heads;
    if (heads?.wantsRequest === true) heads.request = h1RequestFields(bytes);
    const body = ex.target.body;
    if (body !== null && !Buffer.isBuffer(body)) {
      this.flush();
      this.socket.write(bytes);
      this.startUpload(ex, body);
      return;
    }
    if (this.options.pipeline <= 1) {
      this.socket.write(bytes);
      return;
    }
    // Requests handed to this connection in the same turn (several responses read at once, each
    // freeing a place) leave in one write — one string, one send() — at the end of the turn.
    if (typeof bytes !== 'string') {
      this.flush();
      this.socket.write(bytes);
      return;
    }
    if (this.unsent === '') process.nextTick(this.flush);
    this.unsent += bytes;
  }

  private readonly flush = (): void => {
    const unsent = this.unsent;
    if (unsent === '') return;
    this.unsent = '';
    // Closed meanwhile: what was not sent went back to the queue with its exchange.
    if (this.state !== 'closed') this.socket.write(unsent);
  };

  /** Streams `ex`'s body from its files behind the head just written, as the socket drains. */
  private startUpload(ex: Exchange, body: FileBody): void {
    const upload = new FileUpload(body, this.pump, (message) => {
      if (this.upload !== upload) return;
      this.upload = null;
      this.uploadOf = null;
      if (this.exchange === ex) this.failAndClose('write', message);
      else this.destroy();
    });
    this.upload = upload;
    this.uploadOf = ex;
    this.pump();
  }

  private readonly pump = (): void => {
    const upload = this.upload;
    if (upload === null || this.draining || this.state === 'closed') return;
    while (upload.remaining > 0) {
      const chunk = upload.take(upload.remaining);
      if (chunk === null) return; // called again when the file has been read
      if (!this.socket.write(chunk, () => upload.release(chunk))) {
        this.draining = true;
        this.socket.once('drain', this.drained);
        return;
      }
    }
    upload.close();
    this.upload = null;
    this.uploadOf = null;
  };

  private readonly drained = (): void => {
    this.draining = false;
    this.pump();
  };

  /** Stops an upload still going (its response came first, or the connection is ending). */
  private stopUpload(): void {
    if (this.upload === null) return;
    this.upload.close();
    this.upload = null;
    this.uploadOf = null;
    // The server has not read the whole body: the connection's framing is lost.
    this.spent = true;
  }

  // ---- pipelining --------------------------------------------------------------------------

  /**
   * How many more requests may be written behind those in flight now: none unless `pipeline` > 1,
   * the server has kept this HTTP/1.1 connection alive, no request body is still being streamed,
   * and the request in flight is idempotent and does not ask to close (RFC 9112 §9.3.2: never
   * pipeline behind a non-idempotent request).
   */
  pipelineRoom(): number {
    const ex = this.exchange;
    if (!this.pipelineOk || this.spent || this.state !== 'busy' || ex === null || ex.phase === 'done') return 0;
    if (this.upload !== null) return 0;
    if (!ex.idempotent || ex.closeAfter) return 0;
    return this.options.pipeline - 1 - this.pipelined.length;
  }

  /** Writes `ex` behind the requests in flight; the pool checked {@link pipelineRoom} and that `ex` may be pipelined. */
  pipeline(ex: Exchange): void {
    ex.connection = this;
    ex.phase = 'headers';
    this.pipelined.push(ex);
    this.write(ex);
  }

  /** The requests still pipelined go back to the queue (the connection is ending), in their order. */
  private returnPipelined(from = 0): void {
    const rest = this.pipelined.splice(from);
    for (let i = rest.length - 1; i >= 0; i--) {
      const ex = rest[i]!;
      if (ex.phase !== 'done') this.owner.unanswered(ex, this);
    }
  }

  onHead(head: ResponseHead): void {
    const ex = this.exchange;
    if (ex === null) return;
    ex.phase = 'body';
    ex.httpVersion = head.version === 0 ? '1.0' : '1.1';
    this.http11 = head.version === 1;
    ex.onHead(head);
    this.owner.headArrived();
    if (!head.keepAlive) this.spent = true;
    const codings = this.options.transport.compressed ? contentCodings(head.headers) : null;
    const wantsBody = ex.wantsBody();
    // A body that is only counted goes straight to the exchange (onBody).
    if (!ResponseBody.needed(codings, this.options.maxBytes, wantsBody)) return;
    this.body = new ResponseBody(ex, codings, this.label, this.options.maxBytes, (code, message) => {
      if (this.exchange === ex) this.failAndClose(code, message);
    });
    if (wantsBody) {
      ex.startBody(this.owner.continuesAfter(ex, head.status), (message) => {
        if (this.exchange === ex) this.failAndClose('write', message);
      });
    }
  }

  onBody(chunk: Buffer, start: number, end: number): void {
    const body = this.body;
    if (body !== null) body.push(chunk, start, end);
    else if (this.exchange?.phase === 'body') this.exchange.onBody(chunk, start, end);
  }

  onComplete(keepAlive: boolean): void {
    this.ended = true;
    this.endedKeepAlive = keepAlive;
  }

  private onData(data: Buffer): void {
    if (this.state === 'draining') {
      // Bytes after a complete response, while its decoding finishes: the framing can't be
      // trusted for another request; the response we have stands.
      this.spent = true;
      return;
    }
    let from = 0;
    for (;;) {
      const ex = this.exchange;
      if (ex === null || ex.phase === 'done') {
        // Bytes nobody asked for: whatever they are, the connection's framing can't be trusted.
        this.destroy();
        return;
      }
      if (ex.firstByte === null) ex.firstByte = performance.now() - this.waitingSince;
      let used: number;
      try {
        used = this.parser.execute(data, from);
      } catch (err) {
        this.onParseError(err);
        return;
      }
      // A callback during the parse may have ended the exchange (and this connection) already.
      if (this.exchange !== ex) return;
      // The parser hands out views, so at most one read's worth was looked at past the limit.
      if (this.body !== null && !this.body.withinLimit()) return;
      if (!this.ended) break;
      // A response that ends before the bytes we received do is followed by the next pipelined
      // one; with nothing pipelined (a second response, or a body longer than announced) the
      // stream's framing is unknowable: finish this one, reuse nothing.
      const more = used < data.length;
      if (more && this.pipelined.length === 0) this.spent = true;
      this.responseComplete(ex);
      // Done synchronously, and the next pipelined exchange is current: parse the rest for it.
      if (!more || this.state !== 'busy' || this.exchange === ex || this.exchange === null) return;
      from = used;
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
    if (this.uploadOf === ex) this.stopUpload();
    const reusable = this.ended && this.endedKeepAlive && !this.spent && !ex.closeAfter;
    this.exchange = null;
    this.body = null;
    const now = performance.now();
    const result = ex.complete(now);
    if (!reusable) this.destroy();
    else if (this.state !== 'closed') {
      // RFC 9112 §9.3.2: pipeline only to a server that answered HTTP/1.1 and kept the connection.
      if (this.http11 && this.options.pipeline > 1) this.pipelineOk = true;
      // The next pipelined request's response comes next; its wait for a first byte starts now.
      const next = this.pipelined.shift();
      if (next === undefined) this.state = 'open';
      else {
        this.state = 'busy';
        this.becomeCurrent(next, now);
      }
    }
    this.owner.finished(ex, result, this, reusable && this.state !== 'closed');
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
      if (this.ended) {
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

  /**
   * Carrier: ends `ex` with an error (its deadline, a cancel). The current exchange fails with its
   * connection, as ever. One pipelined behind it fails alone: its response would still come after
   * those ahead of it, so the connection takes nothing more, and the requests behind `ex` go
   * back to the queue.
   */
  fail(ex: Exchange, code: ErrorCode, message: string, phase?: TimeoutPhase): void {
    const at = this.pipelined.indexOf(ex);
    if (at === -1) {
      if (this.exchange === ex) this.failAndClose(code, message, phase);
      return;
    }
    this.pipelined.splice(at, 1);
    this.spent = true;
    this.returnPipelined(at);
    this.owner.finished(ex, ex.error(performance.now(), code, message, phase), this, false);
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
    this.stopUpload();
    // Nothing of their responses arrived (the current exchange's is the one being read).
    if (this.pipelined.length > 0) this.returnPipelined();
    this.owner.closed(this);
  }
}
