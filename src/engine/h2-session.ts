import {
  connect as h2connect,
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
} from 'node:http2';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ErrorCode, TimeoutPhase, TlsInfo } from '../types.js';
import { contentCodings } from './decode.js';
import type { Dialled } from './dial.js';
import type { Exchange } from './exchange.js';
import { CANCEL, ENHANCE_YOUR_CALM, h2ErrorName, h2Headers, REFUSED_STREAM } from './h2-request.js';
import type { ResponseHead } from './parser.js';
import { ResponseBody } from './response-body.js';
import type { Session, SessionOptions, SessionOwner, SessionState } from './session.js';

/** Times one exchange may be handed back by a server refusing its stream before it fails. */
const MAX_REFUSALS = 5;

/** One request on the connection: its stream and what its body is doing. */
interface Stream {
  readonly ex: Exchange;
  readonly stream: ClientHttp2Stream;
  body: ResponseBody | null;
  /** The response head arrived (a refused stream after this is not retried). */
  answered: boolean;
  /** The error node gave the stream, if any: the session's own when it died under the stream. */
  error?: NodeJS.ErrnoException;
}

/**
 * HTTP/2 (RFC 9113) over a socket that {@link dial} made ready: node's http2 client session does
 * the framing, HPACK and flow control over that socket (it never dials by itself), while dialling,
 * pooling, deadlines and the error taxonomy stay ours. Many exchanges run at once, one per
 * stream, up to the server's SETTINGS_MAX_CONCURRENT_STREAMS.
 */
export class H2Session implements Session {
  readonly protocol = 'h2';
  state: SessionState = 'open';
  readonly remoteAddress: string | null;
  readonly tlsInfo: TlsInfo | null;
  readonly resolving = false;
  /** Requests completed here. */
  served = 0;
  private readonly session: ClientHttp2Session;
  private readonly streams = new Map<Exchange, Stream>();
  private readonly sockets: readonly Socket[];
  /** Until the server's first SETTINGS, one stream at a time (its limit is not known yet). */
  private settled = false;
  /** Why the session ended, for the streams it takes with it. */
  private failure: { code: ErrorCode; message: string } | null = null;

  constructor(
    private readonly owner: SessionOwner,
    readonly label: string,
    dialled: Dialled,
    private readonly options: SessionOptions,
  ) {
    this.remoteAddress = dialled.remoteAddress;
    this.tlsInfo = dialled.tlsInfo;
    this.sockets = dialled.sockets;
    const socket = dialled.socket;
    for (const s of this.sockets) s.on('error', () => {});
    const scheme = dialled.tlsInfo === null ? 'http' : 'https';
    this.session = h2connect(`${scheme}://${label}`, {
      createConnection: () => socket,
      // Our header cap, advertised (RFC 9113 §6.5.2) and enforced by node: a larger block
      // resets the stream with ENHANCE_YOUR_CALM, which becomes `too_large`.
      settings: { enablePush: false, maxHeaderListSize: options.maxHeaderBytes },
    });
    const session = this.session;
    session.on('remoteSettings', () => {
      this.settled = true;
      if (this.state === 'open') this.owner.roomChanged(this);
    });
    session.on('goaway', (code: number) => {
      // RFC 9113 §6.8: streams above the last id were never processed; nghttp2 closes them with
      // REFUSED_STREAM, so they run again elsewhere. The rest finish here.
      if (this.state === 'open') this.state = 'draining';
      if (code !== 0)
        this.failure ??= { code: 'protocol', message: `${label} ended the connection: GOAWAY ${h2ErrorName(code)}` };
    });
    session.on('error', (err: NodeJS.ErrnoException) => {
      this.failure ??= sessionFailure(err, label);
    });
    session.on('close', () => this.closed());
  }

  get active(): number {
    return this.streams.size;
  }

  available(): number {
    if (this.state !== 'open' || this.session.destroyed || this.session.closed) return 0;
    const limit = this.settled ? this.limit() : 1;
    return Math.max(0, limit - this.streams.size);
  }

  full(): boolean {
    if (this.state !== 'open' || this.session.destroyed || this.session.closed) return true;
    return this.settled && this.streams.size >= this.limit();
  }

  /** RFC 9113 §6.5.2: SETTINGS_MAX_CONCURRENT_STREAMS; unlimited when the server sets none. */
  private limit(): number {
    return this.session.remoteSettings.maxConcurrentStreams ?? Number.MAX_SAFE_INTEGER;
  }

  send(ex: Exchange): void {
    ex.connection = this;
    ex.phase = 'headers';
    const { transport } = this.options;
    const target = ex.target;
    let stream: ClientHttp2Stream;
    try {
      stream = this.session.request(h2Headers(target, transport.userAgent, transport.compressed), {
        endStream: target.body === null,
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      if (this.state !== 'open' || this.session.closed || this.session.destroyed) {
        // The session went away between our check and the request (a GOAWAY just read): not sent.
        if (ex.refusals < MAX_REFUSALS) {
          ex.refusals++;
          this.owner.requeue(ex, this);
          return;
        }
      }
      // Node refused the request itself (a header HTTP/2 cannot carry): this target's failure only.
      const result = ex.error(
        performance.now(),
        'protocol',
        `cannot send the request to ${this.label} over HTTP/2: ${code}`,
      );
      this.owner.finished(ex, result, this, this.state === 'open');
      return;
    }
    const entry: Stream = { ex, stream, body: null, answered: false };
    this.streams.set(ex, entry);
    if (target.body !== null) stream.end(target.body);
    stream.on('response', (headers) => this.onResponse(entry, headers));
    stream.on('data', (chunk: Buffer) => this.onData(entry, chunk));
    stream.on('end', () => this.onEnd(entry));
    // 'error' comes before 'close'; the close decides (rstCode, the session's failure).
    stream.on('error', (err: NodeJS.ErrnoException) => {
      entry.error = err;
    });
    stream.on('close', () => this.onStreamClose(entry));
  }

  private onResponse(entry: Stream, headers: IncomingHttpHeaders): void {
    const ex = entry.ex;
    if (this.streams.get(ex) !== entry) return;
    entry.answered = true;
    if (ex.firstByte === null) ex.firstByte = performance.now() - ex.start;
    ex.phase = 'body';
    ex.httpVersion = '2';
    const flat: string[] = [];
    for (const [name, value] of Object.entries(headers)) {
      if (name.startsWith(':') || value === undefined) continue;
      if (Array.isArray(value)) for (const v of value) flat.push(name, v);
      else flat.push(name, String(value));
    }
    // RFC 9113 §6.5.2: a field's size is its name and value plus 32. We advertise our cap in
    // SETTINGS_MAX_HEADER_LIST_SIZE; a server that sends more anyway gets too_large, as in HTTP/1.1.
    let size = 0;
    for (let i = 0; i < flat.length; i += 2) size += flat[i]!.length + flat[i + 1]!.length + 32;
    if (size > this.options.maxHeaderBytes) {
      this.failStream(
        entry,
        'too_large',
        `response header list from ${this.label} over ${this.options.maxHeaderBytes} bytes (${size})`,
      );
      return;
    }
    const status = Number(headers[':status']);
    const head: ResponseHead = {
      status,
      reason: '',
      version: 1,
      headers: flat,
      keepAlive: true,
      contentLength: -1,
      chunked: false,
    } as ResponseHead;
    ex.onHead(head);
    const codings = this.options.transport.compressed ? contentCodings(flat) : null;
    entry.body = new ResponseBody(ex, codings, this.label, this.options.maxBytes, (code, message) =>
      this.failStream(entry, code, message),
    );
    if (ex.wantsBody()) {
      ex.startBody(this.owner.continuesAfter(ex, status), (message) => this.failStream(entry, 'write', message));
    }
  }

  private onData(entry: Stream, chunk: Buffer): void {
    const body = entry.body;
    if (body === null || this.streams.get(entry.ex) !== entry) return;
    if (!body.push(chunk, 0, chunk.length) || !body.withinLimit()) return;
    const wait = body.backpressure();
    if (wait !== null) {
      // Not reading this stream stops its window updates: the server slows this stream only.
      entry.stream.pause();
      wait(() => {
        if (!entry.stream.destroyed) entry.stream.resume();
      });
    }
  }

  private onEnd(entry: Stream): void {
    const ex = entry.ex;
    if (this.streams.get(ex) !== entry) return;
    const body = entry.body;
    if (body === null) return; // ended without a response head: decided at 'close'
    body.finish(() => {
      if (this.streams.get(ex) !== entry) return;
      this.streams.delete(ex);
      this.served++;
      const result = ex.complete(performance.now());
      this.owner.finished(ex, result, this, this.state === 'open');
      this.afterStream();
    });
  }

  private onStreamClose(entry: Stream): void {
    const ex = entry.ex;
    if (this.streams.get(ex) !== entry) return;
    const stream = entry.stream;
    const code = stream.rstCode ?? 0;
    if (entry.body !== null && code === 0 && stream.readableEnded) return; // finishing in onEnd
    if (!entry.answered && code === REFUSED_STREAM) {
      this.requeueOrFail(entry, null);
      return;
    }
    const error = entry.error;
    if (error !== undefined && error.code !== 'ERR_HTTP2_STREAM_ERROR' && this.failure === null) {
      // The session died under the stream (a frame or HPACK error, the socket): node closes the
      // stream with INTERNAL_ERROR before the session reports why; the why is what we report.
      this.failure = sessionFailure(error, this.label);
    }
    if (!entry.answered && code === ENHANCE_YOUR_CALM) {
      this.failStream(
        entry,
        'too_large',
        `response header list from ${this.label} over ${this.options.maxHeaderBytes} bytes (stream reset: ${h2ErrorName(code)})`,
      );
      return;
    }
    if (this.failure !== null) {
      this.failStream(entry, this.failure.code, this.failure.message);
      return;
    }
    if (code !== 0) {
      this.failStream(entry, 'reset', `stream reset by ${this.label}: ${h2ErrorName(code)}`);
      return;
    }
    this.failStream(
      entry,
      'truncated',
      entry.answered
        ? `stream from ${this.label} closed before the body was complete (${ex.bytes} bytes read)`
        : `stream from ${this.label} closed before any response`,
    );
  }

  /** A stream the server never processed runs again elsewhere (RFC 9113 §8.7), a few times at most. */
  private requeueOrFail(entry: Stream, err: unknown): void {
    const ex = entry.ex;
    this.streams.delete(ex);
    if (ex.refusals < MAX_REFUSALS) {
      ex.refusals++;
      this.owner.requeue(ex, this);
    } else {
      const why = err === null ? h2ErrorName(REFUSED_STREAM) : String((err as Error).message);
      const result = ex.error(performance.now(), 'reset', `stream refused by ${this.label}: ${why}`);
      this.owner.finished(ex, result, this, false);
    }
    this.afterStream();
  }

  /** Ends one exchange with an error; the connection carries on with its other streams. */
  private failStream(entry: Stream, code: ErrorCode, message: string, phase?: TimeoutPhase): void {
    const ex = entry.ex;
    if (this.streams.get(ex) !== entry) return;
    this.streams.delete(ex);
    entry.body?.destroy();
    if (!entry.stream.destroyed) entry.stream.close(CANCEL);
    const result = ex.error(performance.now(), code, message, phase);
    this.owner.finished(ex, result, this, this.state === 'open');
    this.afterStream();
  }

  private afterStream(): void {
    if (this.state === 'draining' && this.streams.size === 0) this.destroy();
  }

  /** Carrier: a deadline or a cancel ends one stream. */
  fail(ex: Exchange, code: ErrorCode, message: string, phase?: TimeoutPhase): void {
    const entry = this.streams.get(ex);
    if (entry !== undefined) this.failStream(entry, code, message, phase);
  }

  resolveTimedOut(): void {
    // Never resolving: the name was resolved before this session existed.
  }

  destroy(): void {
    if (this.state === 'closed') return;
    this.session.destroy();
    for (const s of this.sockets) s.destroy();
    this.closed();
  }

  /** The session is gone: streams still on it end with why (or `truncated`). */
  private closed(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    const failure = this.failure ?? { code: 'truncated', message: `connection to ${this.label} closed` };
    for (const entry of [...this.streams.values()]) {
      // Closed without a word (no GOAWAY, no error) before answering: like a stale kept-alive
      // connection, an idempotent request runs again elsewhere (RFC 9110 §9.2.2).
      if (!entry.answered && this.failure === null && entry.ex.idempotent) this.requeueOrFail(entry, null);
      else this.failStream(entry, failure.code, failure.message);
    }
    this.owner.closed(this);
  }
}

/** A session-level error as one of our codes: the socket's errno, or node's http2 error. */
function sessionFailure(err: NodeJS.ErrnoException, label: string): { code: ErrorCode; message: string } {
  const code = err.code ?? '';
  if (code === 'ECONNRESET' || code === 'EPIPE') return { code: 'reset', message: `connection reset by ${label}` };
  if (code.startsWith('ERR_SSL_')) return { code: 'tls', message: `TLS alert from ${label}: ${code}` };
  // Frame, HPACK and session errors (ERR_HTTP2_SESSION_ERROR, ERR_HTTP2_ERROR, …).
  return {
    code: 'protocol',
    message: `HTTP/2 error from ${label}: ${code || 'error'}: ${err.message.replace(/\s+/g, ' ')}`,
  };
}
