import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ErrorCode, TimeoutPhase, TlsInfo } from '../../types.js';
import { contentCodings } from '../bodies/decode.js';
import type { Dialled } from '../net/dial.js';
import type { Exchange } from '../exchange.js';
import { pairsOf } from '../heads.js';
import { responseFields } from './fields.js';
import {
  CANCEL,
  COMPRESSION_ERROR,
  DEFAULT_MAX_FRAME_SIZE,
  ENHANCE_YOUR_CALM,
  FLOW_CONTROL_ERROR,
  FrameReader,
  type FrameHandler,
  goawayFrame,
  H2Error,
  FRAME_HEADROOM,
  headersFramesInPlace,
  INTERNAL_ERROR,
  MAX_WINDOW,
  NO_ERROR,
  PREFACE,
  PROTOCOL_ERROR,
  pingAck,
  REFUSED_STREAM,
  rstStreamFrame,
  SETTINGS_ACK,
  SETTINGS_ENABLE_PUSH,
  SETTINGS_HEADER_TABLE_SIZE,
  SETTINGS_INITIAL_WINDOW_SIZE,
  SETTINGS_MAX_CONCURRENT_STREAMS,
  SETTINGS_MAX_FRAME_SIZE,
  SETTINGS_MAX_HEADER_LIST_SIZE,
  settingsFrame,
  windowUpdateFrame,
  dataFrame,
  dataFrameHead,
} from './frames.js';
import { H2RequestFields, h2ErrorName } from './request.js';
import { HpackDecoder, HpackEncoder, HpackError } from './hpack.js';
import type { ResponseHead } from '../h1/parser.js';
import { ResponseBody } from '../bodies/response-body.js';
import { FileUpload } from '../bodies/upload.js';
import type { Session, SessionOptions, SessionOwner, SessionState } from '../session.js';

/** Times one exchange may be handed back by a server refusing its stream before it fails. */
const MAX_REFUSALS = 5;
/** The receive windows a session advertises. */
export interface H2Windows {
  /**
   * Our SETTINGS_INITIAL_WINDOW_SIZE: what a server may send on one stream before we credit it
   * back. Credit follows the body's consumer, so this bounds what one stream with a slow decoder
   * or disk can queue in memory.
   */
  readonly stream: number;
  /** The connection's receive window (raised from 65,535 by our first WINDOW_UPDATE, RFC 9113 §6.9.2). */
  readonly connection: number;
}

export const DEFAULT_WINDOWS: H2Windows = { stream: 1 << 20, connection: 16 << 20 };
/** RFC 9113 §6.9.2: every connection starts with a 65,535-byte window. */
const DEFAULT_WINDOW = 65_535;
/** Stream ids are 31 bits (§5.1.1); a client's are odd. */
const MAX_STREAM_ID = 0x7fff_ffff;
/** Writes queued in one turn of the event loop are sent at its end, or at once past this many bytes. */
const FLUSH_BYTES = 256 * 1024;
/**
 * PING and SETTINGS ACKs the socket has not handed to the kernel yet, at most: a server that
 * keeps asking for them without reading the answers (the PING and SETTINGS floods,
 * CVE-2019-9512 and -9515) would otherwise make our write queue grow without bound. Past this,
 * the connection ends with ENHANCE_YOUR_CALM (RFC 9113 §10.5) — nghttp2's default limit too.
 */
const MAX_PENDING_ACKS = 1000;
/**
 * Request body bytes are queued only while the socket holds less than this unwritten; the rest
 * follows on 'drain'. Flow control alone does not bound it: a server may open its windows to
 * 2^31-1, answer every request at once and never read, and each answered upload's queued DATA
 * would stay in memory until the socket closed.
 */
const UPLOAD_HIGH_WATER = 1 << 20;

/**
 * Where one stream is, as one value:
 * - `head`: request sent (its body may still be going out), waiting for the final response head
 *   (interim 1xx heads keep it here);
 * - `body`: the final head arrived; DATA is the body;
 * - `finishing`: END_STREAM arrived; the body's decoding or saving is finishing.
 */
type StreamState = 'head' | 'body' | 'finishing';

/** One request on the connection. A plain object, kept in a Map by stream id. */
interface Stream {
  readonly id: number;
  readonly ex: Exchange;
  state: StreamState;
  /** The body's work (decoding, --max-bytes, saving, checks); null while none, or when it is only counted. */
  body: ResponseBody | null;
  /** The response's Content-Length, or -1 (§8.1.1). */
  expected: number;
  /** Body bytes received (padding excluded). */
  received: number;
  /** A response with no content by rule (HEAD, 204, 304): Content-Length says nothing about DATA. */
  noContent: boolean;
  /** What the server may still send on this stream before our next WINDOW_UPDATE. */
  recvWindow: number;
  /** Bytes the body has taken that are not credited back yet. */
  unacked: number;
  /** The body's consumer is behind: no credit for this stream until it catches up. */
  paused: boolean;
  /** What we may still send on this stream (the server's window; may go below 0, §6.9.2). */
  sendWindow: number;
  /**
   * The request body while part of it is unsent, and how far it has gone: in memory, or read
   * from its files as the windows open (never more of it read ahead than {@link FileUpload} holds).
   */
  upload: Buffer | FileUpload | null;
  sent: number;
}

/**
 * HTTP/2 (RFC 9113) over a socket that {@link dial} made ready: our own framing
 * ({@link FrameReader}), HPACK and flow control, with many exchanges at once, one per stream, up
 * to the server's SETTINGS_MAX_CONCURRENT_STREAMS. Dialling, pooling, deadlines and the error
 * taxonomy are the same as for HTTP/1.1. Frames produced in one turn of the event loop leave in
 * one socket write; frames are read straight out of the socket's chunks.
 */
export class H2Session implements Session, FrameHandler {
  readonly protocol = 'h2';
  state: SessionState = 'open';
  readonly remoteAddress: string | null;
  readonly tlsInfo: TlsInfo | null;
  readonly resolving = false;
  /** Requests completed here. */
  served = 0;
  private readonly socket: Socket;
  private readonly sockets: readonly Socket[];
  private readonly streams = new Map<number, Stream>();
  private readonly reader: FrameReader;
  private readonly encoder = new HpackEncoder();
  private readonly decoder = new HpackDecoder();
  /** Builds each request's field list for the encoder. */
  private readonly requestFields: H2RequestFields;
  private nextId = 1;
  /** Until the server's first SETTINGS, one stream at a time (its limit is not known yet). */
  private settled = false;
  private peerMaxStreams = Number.MAX_SAFE_INTEGER;
  private peerInitialWindow = DEFAULT_WINDOW;
  private peerMaxFrame = DEFAULT_MAX_FRAME_SIZE;
  /** Connection-level windows: what we may send, what the server may send, credit not yet given. */
  private connSend = DEFAULT_WINDOW;
  private connRecv: number;
  private connUnacked = 0;
  /** The field block being received (HEADERS + CONTINUATION): its stream (null: gone), END_STREAM, size. */
  private blockStream: Stream | null = null;
  private blockEnd = false;
  private blockBytes = 0;
  /** A CONTINUATION flood ends the connection past this many bytes of one block (see docs). */
  private readonly maxBlockBytes: number;
  /** The stream whose field block went over {@link maxBlockBytes}. */
  private flooded: Stream | null = null;
  /** Frames waiting for the end of this turn. */
  private out: Buffer[] = [];
  private outBytes = 0;
  /** ACKs queued or written but not yet taken by the kernel ({@link MAX_PENDING_ACKS}); those of them still in {@link out}. */
  private acksPending = 0;
  private acksQueued = 0;
  /** Why the session ended, for the streams it takes with it. */
  private failure: { code: ErrorCode; message: string } | null = null;

  constructor(
    private readonly owner: SessionOwner,
    readonly label: string,
    dialled: Dialled,
    private readonly options: SessionOptions,
    private readonly windows: H2Windows = DEFAULT_WINDOWS,
  ) {
    this.connRecv = Math.max(windows.connection, DEFAULT_WINDOW);
    this.remoteAddress = dialled.remoteAddress;
    this.tlsInfo = dialled.tlsInfo;
    this.socket = dialled.socket;
    this.sockets = dialled.sockets;
    this.reader = new FrameReader(this, DEFAULT_MAX_FRAME_SIZE, true);
    this.requestFields = new H2RequestFields(options.transport.userAgent, options.transport.compressed);
    // A compressed block is at most a few times the list it decodes to (Huffman can expand a
    // string to 30 bits a byte at worst); past that it is a flood, whatever it decodes to.
    this.maxBlockBytes = 4 * options.maxHeaderBytes + 16 * 1024;
    for (const s of this.sockets) s.on('error', (err: NodeJS.ErrnoException) => this.onSocketError(err));
    this.socket.on('data', (chunk: Buffer) => this.onRead(chunk));
    this.socket.on('close', () => this.closed());
    this.socket.on('drain', () => {
      if (this.state !== 'closed') for (const s of this.streams.values()) if (s.upload !== null) this.sendBody(s);
    });
    // §3.4: the preface and our SETTINGS go out with the first request, in the same write: the
    // server's SETTINGS need not be awaited.
    this.queue(PREFACE);
    this.queue(
      settingsFrame([
        SETTINGS_ENABLE_PUSH,
        0,
        SETTINGS_MAX_HEADER_LIST_SIZE,
        Math.min(options.maxHeaderBytes, 0xffff_ffff),
        SETTINGS_INITIAL_WINDOW_SIZE,
        windows.stream,
      ]),
    );
    if (windows.connection > DEFAULT_WINDOW) this.queue(windowUpdateFrame(0, windows.connection - DEFAULT_WINDOW));
  }

  get active(): number {
    return this.streams.size;
  }

  available(): number {
    if (this.state !== 'open') return 0;
    const limit = this.settled ? this.peerMaxStreams : 1;
    return Math.max(0, limit - this.streams.size);
  }

  full(): boolean {
    if (this.state !== 'open') return true;
    return this.settled && this.streams.size >= this.peerMaxStreams;
  }

  // ---- sending -------------------------------------------------------------------------------

  send(ex: Exchange): void {
    ex.connection = this;
    ex.phase = 'headers';
    const target = ex.target;
    const id = this.nextId;
    this.nextId += 2;
    // §5.1.1: ids cannot be reused; a connection that has used them all takes nothing more.
    if (this.nextId > MAX_STREAM_ID) this.state = 'draining';
    const body = target.body;
    const hasBody = body !== null && body.length > 0;
    const fields = this.requestFields.fields(target);
    const heads = ex.heads;
    // A copy: the field list is reused for the next request.
    if (heads?.wantsRequest === true) heads.request = pairsOf(fields);
    const block = this.encoder.encode(fields, FRAME_HEADROOM);
    this.queue(headersFramesInPlace(id, block, !hasBody, this.peerMaxFrame));
    const stream: Stream = {
      id,
      ex,
      state: 'head',
      body: null,
      expected: -1,
      received: 0,
      noContent: target.method === 'HEAD',
      recvWindow: this.windows.stream,
      unacked: 0,
      paused: false,
      sendWindow: this.peerInitialWindow,
      upload: null,
      sent: 0,
    };
    this.streams.set(id, stream);
    if (!hasBody) return;
    stream.upload = Buffer.isBuffer(body)
      ? body
      : new FileUpload(
          body,
          () => {
            if (this.streams.get(id) === stream && this.state !== 'closed') this.sendBody(stream);
          },
          (message) => this.failStream(stream, 'write', message),
        );
    this.sendBody(stream);
  }

  /** Stops sending a request body (its response is complete, or the stream ended). */
  private dropUpload(s: Stream): void {
    const upload = s.upload;
    s.upload = null;
    if (upload !== null && !Buffer.isBuffer(upload)) upload.close();
  }

  /**
   * {@link sendBody} for a body read from files: each DATA frame is what was read, within the
   * windows. The frames go straight to the socket, their payload not copied (the queue's frames
   * are sent first, to keep the order), and each read buffer is reused once the socket has written
   * it: a copy per frame would be tens of MiB of memory outside V8's heap before a collection.
   */
  private sendFileBody(s: Stream, upload: FileUpload): void {
    const socket = this.socket;
    let corked = false;
    while (upload.remaining > 0) {
      if (socket.writableLength + this.outBytes >= UPLOAD_HIGH_WATER) break; // resumed on 'drain'
      const n = Math.min(upload.remaining, s.sendWindow, this.connSend, this.peerMaxFrame);
      if (n <= 0) break; // resumed by a WINDOW_UPDATE
      const chunk = upload.take(n);
      if (chunk === null) break; // resumed when the file has been read
      if (!corked) {
        this.flush();
        if (this.state === 'closed' || !socket.writable) return;
        socket.cork();
        corked = true;
      }
      socket.write(dataFrameHead(s.id, chunk.length, upload.remaining === 0));
      socket.write(chunk, () => upload.release(chunk));
      s.sendWindow -= chunk.length;
      this.connSend -= chunk.length;
    }
    if (corked) socket.uncork();
    if (upload.remaining === 0) this.dropUpload(s);
  }

  /** Sends what the windows and the server's frame size allow of a request body (§6.9). */
  private sendBody(s: Stream): void {
    const data = s.upload;
    if (data === null) return;
    if (!Buffer.isBuffer(data)) {
      this.sendFileBody(s, data);
      return;
    }
    while (s.sent < data.length) {
      if (this.socket.writableLength + this.outBytes >= UPLOAD_HIGH_WATER) return; // resumed on 'drain'
      const n = Math.min(data.length - s.sent, s.sendWindow, this.connSend, this.peerMaxFrame);
      if (n <= 0) return; // resumed by a WINDOW_UPDATE
      const end = s.sent + n;
      this.queue(dataFrame(s.id, data, s.sent, end, end === data.length));
      s.sendWindow -= n;
      this.connSend -= n;
      s.sent = end;
    }
    s.upload = null;
  }

  /**
   * Frames leave at the end of the poll phase (setImmediate), not of the current callback
   * (nextTick): a TLS socket hands out each record as its own 'data' event, so the requests
   * started by every response read in one poll go out in one write (measured: 10k requests over
   * 10 connections, 9,930 socket writes with nextTick, 1,020 with setImmediate; see PROFILE.md).
   */
  private queue(frame: Buffer): void {
    if (this.out.length === 0) setImmediate(this.flush);
    this.out.push(frame);
    this.outBytes += frame.length;
    if (this.outBytes >= FLUSH_BYTES) this.flush();
  }

  private readonly flush = (): void => {
    const out = this.out;
    if (out.length === 0) return;
    this.out = [];
    this.outBytes = 0;
    const acks = this.acksQueued;
    this.acksQueued = 0;
    // A socket the server has ended is closing: its 'close' decides the streams, not a write error.
    if (this.state === 'closed' || !this.socket.writable) return;
    const bytes = out.length === 1 ? out[0]! : Buffer.concat(out);
    if (acks === 0) this.socket.write(bytes);
    else this.socket.write(bytes, () => (this.acksPending -= acks));
  };

  /** Queues an ACK the server asked for, unless it is not reading the ones before (see {@link MAX_PENDING_ACKS}). */
  private ack(frame: Buffer, what: string): void {
    if (this.acksPending >= MAX_PENDING_ACKS) {
      throw new H2Error(ENHANCE_YOUR_CALM, `${MAX_PENDING_ACKS} ${what} ACKs not read by the server`);
    }
    this.acksPending++;
    this.acksQueued++;
    this.queue(frame);
  }

  // ---- reading -------------------------------------------------------------------------------

  private onRead(chunk: Buffer): void {
    if (this.state === 'closed') return;
    try {
      this.reader.execute(chunk);
    } catch (err) {
      this.connectionError(err);
    }
  }

  onData(id: number, chunk: Buffer, start: number, end: number, endStream: boolean, flow: number): void {
    // §6.9: every DATA frame counts against the connection window, whatever its stream.
    this.connRecv -= flow;
    if (this.connRecv < 0) throw new H2Error(FLOW_CONTROL_ERROR, 'DATA beyond the connection window');
    this.creditConnection(flow);
    const s = this.streams.get(id);
    if (s === undefined) {
      this.checkOpened(id, 'DATA');
      return; // a stream we reset or finished: the bytes are dropped
    }
    s.recvWindow -= flow;
    if (s.recvWindow < 0) throw new H2Error(FLOW_CONTROL_ERROR, `DATA beyond the window of stream ${id}`);
    if (s.state !== 'body') {
      if (s.state === 'head') this.malformed(s, 'DATA before the response head');
      return;
    }
    const size = end - start;
    s.received += size;
    if (s.expected >= 0 && s.received > s.expected && !s.noContent) {
      this.malformed(s, `more DATA than its content-length ${s.expected}`);
      return;
    }
    const body = s.body;
    if (body === null) {
      // Only counted (see responseHead): straight to the exchange, which cannot fail it.
      if (size > 0) s.ex.onBody(chunk, start, end);
    } else {
      if (size > 0 && (!body.push(chunk, start, end) || !body.withinLimit())) return;
      if (this.streams.get(id) !== s) return;
    }
    s.unacked += flow;
    if (endStream) {
      this.endOfStream(s);
      return;
    }
    if (body === null) this.creditStream(s);
    else if (!s.paused) {
      const wait = body.backpressure();
      if (wait === null) this.creditStream(s);
      else {
        // No credit for this stream until its consumer catches up: the server slows this
        // stream only, and what it can still send is bounded by the window.
        s.paused = true;
        wait(() => {
          s.paused = false;
          if (this.streams.get(id) === s && s.state === 'body') this.creditStream(s);
        });
      }
    }
  }

  /** Credits a stream's window back once half of it is used (few WINDOW_UPDATEs, §6.9.1). */
  private creditStream(s: Stream): void {
    if (s.unacked < this.windows.stream / 2 || this.state === 'closed') return;
    this.queue(windowUpdateFrame(s.id, s.unacked));
    s.recvWindow += s.unacked;
    s.unacked = 0;
  }

  private creditConnection(flow: number): void {
    this.connUnacked += flow;
    if (this.connUnacked < this.windows.connection / 2) return;
    this.queue(windowUpdateFrame(0, this.connUnacked));
    this.connRecv += this.connUnacked;
    this.connUnacked = 0;
  }

  onHeaders(id: number, chunk: Buffer, start: number, end: number, endStream: boolean, endHeaders: boolean): void {
    const s = this.streams.get(id);
    if (s === undefined) this.checkOpened(id, 'HEADERS');
    // Decoded even for a stream that is gone: the decoder's table must follow every block (§4.3).
    this.blockStream = s ?? null;
    this.blockEnd = endStream;
    this.blockBytes = 0;
    this.decoder.begin(this.options.maxHeaderBytes);
    this.fragment(chunk, start, end, endHeaders);
  }

  onContinuation(_id: number, chunk: Buffer, start: number, end: number, endHeaders: boolean): void {
    this.fragment(chunk, start, end, endHeaders);
  }

  private fragment(chunk: Buffer, start: number, end: number, last: boolean): void {
    this.blockBytes += end - start;
    if (this.blockBytes > this.maxBlockBytes) {
      // A CONTINUATION flood: the block never ends, or is far larger than any list we accept.
      // Decoding it to the end would take unbounded time; the connection ends here.
      // Its stream fails too_large (connectionError), the others with the connection.
      this.flooded = this.blockStream;
      throw new H2Error(ENHANCE_YOUR_CALM, `field block over ${this.maxBlockBytes} bytes (HEADERS + CONTINUATION)`);
    }
    if (end > start) this.decoder.push(chunk, start, end);
    if (last) this.blockDone();
  }

  private blockDone(): void {
    const decoded = this.decoder.end();
    const s = this.blockStream;
    const endStream = this.blockEnd;
    this.blockStream = null;
    if (s === null || this.streams.get(s.id) !== s) return;
    if (decoded.tooLarge) {
      // §6.5.2: we advertised our cap in SETTINGS_MAX_HEADER_LIST_SIZE; a larger list fails this
      // stream only, as in HTTP/1.1. The block was decoded all the same, so the table stays right.
      this.failStream(
        s,
        'too_large',
        `response header list from ${this.label} over ${this.options.maxHeaderBytes} bytes (${decoded.size})`,
      );
      return;
    }
    if (s.state === 'head') this.responseHead(s, decoded.fields, endStream);
    else if (s.state === 'body') this.trailers(s, decoded.fields, endStream);
    // `finishing`: a block after END_STREAM (§5.1 STREAM_CLOSED); the response stands.
  }

  private responseHead(s: Stream, fields: string[], endStream: boolean): void {
    const head = responseFields(fields, false);
    if (typeof head === 'string') {
      this.malformed(s, head);
      return;
    }
    const status = head.status;
    if (status < 200) {
      // §8.6: 101 cannot happen over HTTP/2; other 1xx are interim, and the final head follows
      // (an interim head ending the stream is malformed, §8.1).
      if (status === 101) this.malformed(s, 'status 101 (RFC 9113 §8.6)');
      else if (endStream) this.malformed(s, `END_STREAM on an interim ${status} response`);
      return;
    }
    const ex = s.ex;
    s.state = 'body';
    s.expected = head.contentLength;
    if (status === 204 || status === 304) s.noContent = true;
    if (ex.firstByte === null) ex.firstByte = performance.now() - ex.start;
    ex.phase = 'body';
    ex.httpVersion = '2';
    const response: ResponseHead = {
      status,
      reason: '',
      version: 1,
      headers: head.headers,
      keepAlive: true,
      contentLength: head.contentLength,
      chunked: false,
    };
    ex.onHead(response);
    this.owner.headArrived();
    const codings = this.options.transport.compressed ? contentCodings(head.headers) : null;
    const wantsBody = ex.wantsBody();
    // A body that is only counted goes straight to the exchange; it has no consumer to wait for,
    // so it is never paused.
    if (!ResponseBody.needed(codings, this.options.maxBytes, wantsBody)) {
      if (endStream && this.streams.get(s.id) === s) this.endOfStream(s);
      return;
    }
    s.body = new ResponseBody(ex, codings, this.label, this.options.maxBytes, (code, message) =>
      this.failStream(s, code, message),
    );
    if (wantsBody) {
      ex.startBody(this.owner.continuesAfter(ex, status), (message) => this.failStream(s, 'write', message));
    }
    if (endStream && this.streams.get(s.id) === s) this.endOfStream(s);
  }

  /** §8.1: a HEADERS block after the body is the trailer section; it must end the stream. */
  private trailers(s: Stream, fields: string[], endStream: boolean): void {
    if (!endStream) {
      this.malformed(s, 'a second field block that does not end the stream');
      return;
    }
    const checked = responseFields(fields, true);
    if (typeof checked === 'string') {
      this.malformed(s, `${checked} in trailers`);
      return;
    }
    this.endOfStream(s); // accepted, and not reported
  }

  /** END_STREAM: the response is complete on the wire; the exchange ends once its body is done. */
  private endOfStream(s: Stream): void {
    if (s.expected >= 0 && s.received !== s.expected && !s.noContent) {
      this.malformed(s, `${s.received} bytes of DATA for a content-length of ${s.expected}`);
      return;
    }
    s.state = 'finishing';
    if (s.upload !== null) {
      // A complete response before the request body went out (§8.1): stop sending it.
      this.dropUpload(s);
      this.queue(rstStreamFrame(s.id, CANCEL));
    }
    const body = s.body;
    if (body === null) this.streamDone(s);
    else body.finish(() => this.streamDone(s));
  }

  /** The response and its body's work are complete: the exchange's result. */
  private streamDone(s: Stream): void {
    if (this.streams.get(s.id) !== s) return;
    this.streams.delete(s.id);
    this.served++;
    const ex = s.ex;
    const result = ex.complete(performance.now());
    this.owner.finished(ex, result, this, this.state === 'open');
    this.afterStream();
  }

  onRstStream(id: number, code: number): void {
    const s = this.streams.get(id);
    if (s === undefined) {
      this.checkOpened(id, 'RST_STREAM');
      return;
    }
    if (s.state === 'finishing') {
      // §8.1: after a complete response, NO_ERROR (or any code) only stops our upload.
      this.dropUpload(s);
      return;
    }
    if (s.state === 'head' && code === REFUSED_STREAM) {
      // §8.7: a refused stream was not processed; it runs again.
      this.streams.delete(id);
      this.requeueOrFail(s, `stream refused by ${this.label}: ${h2ErrorName(REFUSED_STREAM)}`);
      return;
    }
    this.failStream(s, 'reset', `stream reset by ${this.label}: ${h2ErrorName(code)}`, -1);
  }

  onSettings(ack: boolean, values: number[]): void {
    if (ack) return;
    for (let i = 0; i < values.length; i += 2) {
      const value = values[i + 1]!;
      switch (values[i]) {
        case SETTINGS_HEADER_TABLE_SIZE:
          this.encoder.setPeerTableSize(value);
          break;
        case SETTINGS_ENABLE_PUSH:
          // §6.5.2: a server never sets 1; anything but 0 or 1 is an error from anyone.
          if (value !== 0) throw new H2Error(PROTOCOL_ERROR, `SETTINGS_ENABLE_PUSH ${value} from a server`);
          break;
        case SETTINGS_MAX_CONCURRENT_STREAMS:
          this.peerMaxStreams = value;
          break;
        case SETTINGS_INITIAL_WINDOW_SIZE: {
          if (value > MAX_WINDOW) throw new H2Error(FLOW_CONTROL_ERROR, `SETTINGS_INITIAL_WINDOW_SIZE ${value}`);
          // §6.9.2: the change applies to every open stream's window, which may go below 0.
          const delta = value - this.peerInitialWindow;
          this.peerInitialWindow = value;
          for (const s of this.streams.values()) {
            s.sendWindow += delta;
            if (s.sendWindow > MAX_WINDOW) {
              throw new H2Error(FLOW_CONTROL_ERROR, `SETTINGS_INITIAL_WINDOW_SIZE ${value} overflows a stream window`);
            }
          }
          break;
        }
        case SETTINGS_MAX_FRAME_SIZE:
          if (value < DEFAULT_MAX_FRAME_SIZE || value > 0xff_ffff) {
            throw new H2Error(PROTOCOL_ERROR, `SETTINGS_MAX_FRAME_SIZE ${value}`);
          }
          this.peerMaxFrame = value;
          break;
        default:
          break; // §6.5.2: unknown settings are ignored; MAX_HEADER_LIST_SIZE is advisory
      }
    }
    this.ack(SETTINGS_ACK, 'SETTINGS');
    this.settled = true;
    for (const s of this.streams.values()) if (s.upload !== null) this.sendBody(s);
    if (this.state === 'open') this.owner.roomChanged(this);
  }

  onPing(ack: boolean, chunk: Buffer, start: number): void {
    if (!ack) this.ack(pingAck(chunk, start), 'PING');
  }

  onGoaway(lastStreamId: number, code: number): void {
    if (this.state === 'open') this.state = 'draining';
    if (code !== NO_ERROR) {
      this.failure ??= { code: 'protocol', message: `${this.label} ended the connection: GOAWAY ${h2ErrorName(code)}` };
    }
    // §6.8: streams above the last id were never processed: they run again elsewhere. The rest
    // finish here — and so does one above it that already has its response head: it was
    // processed whatever the GOAWAY says, and running it again would mix two responses' bodies.
    for (const s of [...this.streams.values()]) {
      if (s.id > lastStreamId && s.state === 'head' && this.streams.get(s.id) === s) {
        this.streams.delete(s.id);
        this.requeueOrFail(s, `stream not processed by ${this.label} (GOAWAY ${h2ErrorName(code)})`);
      }
    }
    this.afterStream();
  }

  onWindowUpdate(id: number, increment: number): void {
    if (id === 0) {
      this.connSend += increment;
      if (this.connSend > MAX_WINDOW) throw new H2Error(FLOW_CONTROL_ERROR, 'connection window over 2^31-1');
      for (const s of this.streams.values()) if (s.upload !== null) this.sendBody(s);
      return;
    }
    const s = this.streams.get(id);
    if (s === undefined) {
      this.checkOpened(id, 'WINDOW_UPDATE');
      return;
    }
    // §6.9, §6.9.1: stream errors, this stream only.
    if (increment === 0) {
      this.failStream(s, 'protocol', `HTTP/2 error from ${this.label}: WINDOW_UPDATE of 0 on a stream`, PROTOCOL_ERROR);
      return;
    }
    s.sendWindow += increment;
    if (s.sendWindow > MAX_WINDOW) {
      this.failStream(s, 'protocol', `HTTP/2 error from ${this.label}: stream window over 2^31-1`, FLOW_CONTROL_ERROR);
      return;
    }
    if (s.upload !== null) this.sendBody(s);
  }

  onPushPromise(): void {
    throw new H2Error(PROTOCOL_ERROR, 'PUSH_PROMISE although we sent SETTINGS_ENABLE_PUSH 0');
  }

  /** §5.1: frames on a stream we never opened (idle) are a connection error; on one we closed, dropped. */
  private checkOpened(id: number, what: string): void {
    if (id % 2 === 0 || id >= this.nextId) {
      throw new H2Error(PROTOCOL_ERROR, `${what} on stream ${id}, which we never opened`);
    }
  }

  // ---- endings -------------------------------------------------------------------------------

  /** §8.1.1: a malformed response fails its stream, reset with PROTOCOL_ERROR. */
  private malformed(s: Stream, why: string): void {
    this.failStream(s, 'protocol', `malformed HTTP/2 response from ${this.label}: ${why}`, PROTOCOL_ERROR);
  }

  /**
   * Ends one exchange with an error; the connection carries on with its other streams. `reset`:
   * the RST_STREAM code we send, or -1 for none (the server reset it, or it is closed already).
   */
  private failStream(s: Stream, code: ErrorCode, message: string, reset = CANCEL, phase?: TimeoutPhase): void {
    if (this.streams.get(s.id) !== s) return;
    this.streams.delete(s.id);
    s.body?.destroy();
    // Once END_STREAM went both ways the stream is closed: nothing more is sent on it (§5.1).
    if (reset >= 0 && this.state !== 'closed' && (s.state !== 'finishing' || s.upload !== null)) {
      this.queue(rstStreamFrame(s.id, reset));
    }
    this.dropUpload(s);
    const ex = s.ex;
    const result = ex.error(performance.now(), code, message, phase);
    this.owner.finished(ex, result, this, this.state === 'open');
    this.afterStream();
  }

  /** A stream the server never processed runs again elsewhere (RFC 9113 §8.7), a few times at most. */
  private requeueOrFail(s: Stream, why: string): void {
    this.dropUpload(s);
    const ex = s.ex;
    if (ex.refusals < MAX_REFUSALS) {
      ex.refusals++;
      this.owner.requeue(ex, this);
    } else {
      this.owner.finished(ex, ex.error(performance.now(), 'reset', why), this, false);
    }
    this.afterStream();
  }

  private afterStream(): void {
    if (this.state === 'draining' && this.streams.size === 0) this.destroy();
  }

  /** A connection error (§5.4.1): GOAWAY with its code, then the socket closes. */
  private connectionError(err: unknown): void {
    let code = INTERNAL_ERROR;
    let text: string;
    if (err instanceof H2Error) {
      code = err.h2Code;
      text = err.message;
    } else if (err instanceof HpackError) {
      code = COMPRESSION_ERROR;
      text = err.message;
    } else text = `internal error: ${String(err)}`;
    this.failure ??= {
      code: 'protocol',
      message: `HTTP/2 error from ${this.label}: ${h2ErrorName(code)}: ${text.replace(/\s+/g, ' ')}`,
    };
    this.reader.stop();
    if (this.state === 'closed') return;
    // Nothing new starts here while the streams are told (their owner may have more to send).
    this.state = 'draining';
    this.out = [];
    this.outBytes = 0;
    this.queue(goawayFrame(0, code));
    this.flush();
    const flooded = this.flooded;
    if (flooded !== null) {
      this.failStream(
        flooded,
        'too_large',
        `response header block from ${this.label} over ${this.maxBlockBytes} bytes (${h2ErrorName(code)})`,
        -1,
      );
    }
    this.destroy();
  }

  private onSocketError(err: NodeJS.ErrnoException): void {
    const code = err.code ?? '';
    if (code === 'ECONNRESET' || code === 'EPIPE') {
      this.failure ??= { code: 'reset', message: `connection reset by ${this.label}` };
    } else if (code.startsWith('ERR_SSL_')) {
      this.failure ??= { code: 'tls', message: `TLS alert from ${this.label}: ${code}` };
    } else {
      this.failure ??= {
        code: 'protocol',
        message: `HTTP/2 connection to ${this.label} failed: ${code || err.message.replace(/\s+/g, ' ')}`,
      };
    }
    this.destroy();
  }

  /** Carrier: a deadline or a cancel ends one stream. */
  fail(ex: Exchange, code: ErrorCode, message: string, phase?: TimeoutPhase): void {
    for (const s of this.streams.values()) {
      if (s.ex === ex) {
        this.failStream(s, code, message, CANCEL, phase);
        return;
      }
    }
  }

  resolveTimedOut(): void {
    // Never resolving: the name was resolved before this session existed.
  }

  destroy(): void {
    if (this.state === 'closed') return;
    if (this.failure === null && this.streams.size === 0 && this.socket.writable) {
      // An idle connection closes cleanly (§6.8): GOAWAY NO_ERROR, then the socket.
      this.queue(goawayFrame(0, NO_ERROR));
      const out = this.out;
      this.out = [];
      this.outBytes = 0;
      const sockets = this.sockets;
      const end = (): void => {
        for (const s of sockets) s.destroy();
      };
      this.socket.write(Buffer.concat(out), end);
      setTimeout(end, 100).unref();
    } else {
      this.flush();
      for (const s of this.sockets) s.destroy();
    }
    this.closed();
  }

  /** The session is gone: streams still on it end with why (or `truncated`). */
  private closed(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.reader.stop();
    this.out = [];
    this.outBytes = 0;
    const failure = this.failure ?? { code: 'truncated', message: `connection to ${this.label} closed` };
    for (const s of [...this.streams.values()]) {
      // A complete response whose body is still being decoded or saved: it ends as it would have.
      if (s.state === 'finishing') continue;
      if (s.state === 'head' && this.failure === null && s.ex.idempotent) {
        // Closed without a word (no GOAWAY, no error) before answering: like a stale kept-alive
        // connection, an idempotent request runs again elsewhere (RFC 9110 §9.2.2).
        this.streams.delete(s.id);
        this.requeueOrFail(s, failure.message);
      } else this.failStream(s, failure.code, failure.message, -1);
    }
    this.owner.closed(this);
  }
}
