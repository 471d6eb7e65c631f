/**
 * HTTP/2 framing (RFC 9113 §4, §6): a push-fed frame reader that knows nothing of sockets, like
 * the HTTP/1.1 `ResponseParser`, and the writers for the frames a client sends. The reader checks
 * what can be checked from the frames alone (sizes, stream ids, padding, the CONTINUATION rule)
 * and throws an {@link H2Error} (a connection error, RFC 9113 §5.4.1) naming its §7 code; what
 * needs the session's state (flow control, stream states, HPACK) is the handler's.
 */

export const DATA = 0x0;
export const HEADERS = 0x1;
export const PRIORITY = 0x2;
export const RST_STREAM = 0x3;
export const SETTINGS = 0x4;
export const PUSH_PROMISE = 0x5;
export const PING = 0x6;
export const GOAWAY = 0x7;
export const WINDOW_UPDATE = 0x8;
export const CONTINUATION = 0x9;

export const FLAG_END_STREAM = 0x1;
export const FLAG_ACK = 0x1;
export const FLAG_END_HEADERS = 0x4;
export const FLAG_PADDED = 0x8;
export const FLAG_PRIORITY = 0x20;

/** RFC 9113 §7 error codes. */
export const NO_ERROR = 0x0;
export const PROTOCOL_ERROR = 0x1;
export const INTERNAL_ERROR = 0x2;
export const FLOW_CONTROL_ERROR = 0x3;
export const FRAME_SIZE_ERROR = 0x6;
export const REFUSED_STREAM = 0x7;
export const CANCEL = 0x8;
export const COMPRESSION_ERROR = 0x9;
export const ENHANCE_YOUR_CALM = 0xb;

/** RFC 9113 §6.5.2 setting identifiers. */
export const SETTINGS_HEADER_TABLE_SIZE = 0x1;
export const SETTINGS_ENABLE_PUSH = 0x2;
export const SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;
export const SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
export const SETTINGS_MAX_FRAME_SIZE = 0x5;
export const SETTINGS_MAX_HEADER_LIST_SIZE = 0x6;

/** RFC 9113 §4.2: the initial SETTINGS_MAX_FRAME_SIZE; we never advertise more. */
export const DEFAULT_MAX_FRAME_SIZE = 16_384;
/** RFC 9113 §6.9.1: no flow-control window may exceed 2^31-1. */
export const MAX_WINDOW = 0x7fff_ffff;
/** RFC 9113 §3.4: the client connection preface, before its first SETTINGS. */
export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

const HEADER_SIZE = 9;

/** A connection error (RFC 9113 §5.4.1): `h2Code` is the §7 code our GOAWAY carries. */
export class H2Error extends Error {
  override readonly name = 'H2Error';
  readonly code = 'protocol';
  constructor(
    readonly h2Code: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * What the reader reports, frame by frame. Payload views (`chunk[start, end)`) are only valid
 * during the call when the caller reuses its buffers; the reader itself never reuses one.
 */
export interface FrameHandler {
  /**
   * A DATA frame's content, padding removed — a frame split across chunks comes in pieces, as its
   * bytes arrive, so that no body byte is copied. `flowLength` is what this piece takes from the
   * flow-control windows (RFC 9113 §6.1: padding included); the pieces of one frame add up to its
   * length. `endStream` is set on the frame's last piece only.
   */
  onData(streamId: number, chunk: Buffer, start: number, end: number, endStream: boolean, flowLength: number): void;
  /** A HEADERS frame's field block fragment, padding and priority removed (§6.2). */
  onHeaders(streamId: number, chunk: Buffer, start: number, end: number, endStream: boolean, endHeaders: boolean): void;
  /** The next fragment of the block a HEADERS (or PUSH_PROMISE) began (§6.10). */
  onContinuation(streamId: number, chunk: Buffer, start: number, end: number, endHeaders: boolean): void;
  onRstStream(streamId: number, errorCode: number): void;
  /** `values` is flat: [identifier, value, …] in the order sent (§6.5.1); empty for an ACK. */
  onSettings(ack: boolean, values: number[]): void;
  /** The 8 opaque bytes are `chunk[start, start + 8)`. */
  onPing(ack: boolean, chunk: Buffer, start: number): void;
  onGoaway(lastStreamId: number, errorCode: number, debug: Buffer): void;
  /** `increment` may be 0: on a stream that is a stream error, the session's to decide (§6.9). */
  onWindowUpdate(streamId: number, increment: number): void;
  /** The promised stream's id; its header block follows as for HEADERS. */
  onPushPromise(streamId: number, promisedId: number): void;
}

/**
 * Reads frames out of the chunks it is fed. Frames that lie whole in a chunk are handed out as
 * views of it; a DATA frame split across chunks is handed out in pieces as views too (with TLS,
 * most large DATA frames straddle two records); only another frame split across chunks is copied
 * (into a buffer of its own size).
 * PRIORITY and frames of unknown types are checked and dropped (RFC 9113 §4.1, §5.3.2).
 */
export class FrameReader {
  /** A frame split across chunks: its bytes so far (`have` of them), its header first. */
  private partial: Buffer | null = null;
  private have = 0;
  /** The stream whose field block is open (HEADERS/PUSH_PROMISE without END_HEADERS), or 0. */
  private continuing = 0;
  private stopped = false;
  /** A DATA frame being read piece by piece: its stream (0: none), payload bytes still to come. */
  private dataId = 0;
  private dataLeft = 0;
  /** Its padding length; -1 while the Pad Length octet has not arrived. */
  private dataPad = 0;
  private dataEnd = false;

  constructor(
    private readonly handler: FrameHandler,
    /** Our SETTINGS_MAX_FRAME_SIZE (§4.2). */
    private readonly maxFrameSize = DEFAULT_MAX_FRAME_SIZE,
    /** The first frame must be a SETTINGS frame: the server's connection preface (§3.4). */
    private preface = false,
  ) {}

  /** Nothing more is read: a handler ended the connection. */
  stop(): void {
    this.stopped = true;
    this.partial = null;
    this.dataId = 0;
  }

  /** Whether a frame has begun and not yet been read whole. */
  get midFrame(): boolean {
    return this.partial !== null || this.dataId !== 0;
  }

  /** Reads every frame in `chunk` (after the one left split by the previous chunk). */
  execute(chunk: Buffer): void {
    if (this.stopped) return;
    let pos = 0;
    if (this.dataId !== 0) pos = this.moreData(chunk, 0);
    else if (this.partial !== null) pos = this.fillPartial(chunk);
    if (this.partial !== null || this.dataId !== 0 || this.stopped) return;
    const length = chunk.length;
    while (length - pos >= HEADER_SIZE) {
      const size = this.frameSize(chunk, pos);
      if (length - pos < HEADER_SIZE + size) {
        if (chunk[pos + 3] !== DATA) break;
        // A DATA frame the chunk ends inside: its content goes out as it comes, never copied.
        this.beginData(chunk[pos + 4]!, chunk.readUInt32BE(pos + 5) & MAX_WINDOW, size);
        this.moreData(chunk, pos + HEADER_SIZE);
        return;
      }
      this.frame(chunk, pos, size);
      if (this.stopped) return;
      pos += HEADER_SIZE + size;
    }
    if (pos < length) this.keep(chunk, pos);
  }

  /** A DATA frame (header read, payload to come in pieces). */
  private beginData(flags: number, streamId: number, size: number): void {
    this.order(DATA, flags, streamId);
    needStream(DATA, streamId);
    this.dataId = streamId;
    this.dataLeft = size;
    this.dataPad = (flags & FLAG_PADDED) !== 0 ? -1 : 0;
    this.dataEnd = (flags & FLAG_END_STREAM) !== 0;
  }

  /** The next piece of the DATA frame being read, from `chunk[pos…]`; returns where it ended. */
  private moreData(chunk: Buffer, pos: number): number {
    if (pos >= chunk.length) return pos;
    let at = pos;
    let flow = 0;
    if (this.dataPad === -1) {
      const pad = chunk[at++]!;
      this.dataLeft--;
      flow = 1;
      // §6.1: padding as long as the payload or longer is a PROTOCOL_ERROR.
      if (pad > this.dataLeft) throw new H2Error(PROTOCOL_ERROR, `padding of ${pad} bytes longer than the frame`);
      this.dataPad = pad;
    }
    // What is left of the frame: its content, then `dataPad` bytes of padding.
    const start = at;
    const content = Math.min(this.dataLeft - this.dataPad, chunk.length - at);
    at += content;
    const padding = Math.min(this.dataPad, chunk.length - at);
    at += padding;
    this.dataPad -= padding;
    this.dataLeft -= content + padding;
    flow += content + padding;
    const id = this.dataId;
    const last = this.dataLeft === 0;
    if (last) this.dataId = 0;
    if (flow > 0) this.handler.onData(id, chunk, start, start + content, last && this.dataEnd, flow);
    return at;
  }

  /** The payload length of the frame at `pos`, checked against our maximum before any is buffered. */
  private frameSize(chunk: Buffer, pos: number): number {
    const size = (chunk[pos]! << 16) | (chunk[pos + 1]! << 8) | chunk[pos + 2]!;
    if (size > this.maxFrameSize) {
      throw new H2Error(FRAME_SIZE_ERROR, `frame of ${size} bytes over SETTINGS_MAX_FRAME_SIZE ${this.maxFrameSize}`);
    }
    return size;
  }

  /** Keeps the start of a split frame; the whole frame's room is allocated once its length is known. */
  private keep(chunk: Buffer, pos: number): void {
    const rest = chunk.length - pos;
    const partial = Buffer.allocUnsafe(rest >= HEADER_SIZE ? HEADER_SIZE + this.frameSize(chunk, pos) : HEADER_SIZE);
    chunk.copy(partial, 0, pos);
    this.partial = partial;
    this.have = rest;
  }

  /** Completes the split frame from `chunk`; returns the bytes of `chunk` used. */
  private fillPartial(chunk: Buffer): number {
    let partial = this.partial!;
    let used = 0;
    if (this.have < HEADER_SIZE) {
      const take = Math.min(HEADER_SIZE - this.have, chunk.length);
      chunk.copy(partial, this.have, 0, take);
      this.have += take;
      used = take;
      if (this.have < HEADER_SIZE) return used;
      const size = this.frameSize(partial, 0);
      if (partial[3] === DATA && size > 0) {
        this.partial = null;
        this.have = 0;
        this.beginData(partial[4]!, partial.readUInt32BE(5) & MAX_WINDOW, size);
        return this.moreData(chunk, used);
      }
      const whole = Buffer.allocUnsafe(HEADER_SIZE + size);
      partial.copy(whole, 0, 0, HEADER_SIZE);
      partial = whole;
      this.partial = whole;
    }
    const take = Math.min(partial.length - this.have, chunk.length - used);
    chunk.copy(partial, this.have, used, used + take);
    this.have += take;
    used += take;
    if (this.have < partial.length) return used;
    this.partial = null;
    this.have = 0;
    this.frame(partial, 0, partial.length - HEADER_SIZE);
    return used;
  }

  /** What may come where: the server's preface first (§3.4), nothing inside a field block (§6.10). */
  private order(type: number, flags: number, streamId: number): void {
    if (this.preface) {
      // §3.4: anything else first (an HTTP/1.1 response, say) is a PROTOCOL_ERROR.
      if (type !== SETTINGS || (flags & FLAG_ACK) !== 0) {
        throw new H2Error(PROTOCOL_ERROR, `${frameName(type)} frame before the server's SETTINGS preface`);
      }
      this.preface = false;
    }
    if (this.continuing !== 0 && (type !== CONTINUATION || streamId !== this.continuing)) {
      // §6.10: a field block is a contiguous sequence of frames, nothing in between.
      throw new H2Error(PROTOCOL_ERROR, `${frameName(type)} frame inside the field block of stream ${this.continuing}`);
    }
  }

  /** One whole frame: its header at `pos`, `size` payload bytes after it. */
  private frame(buf: Buffer, pos: number, size: number): void {
    const type = buf[pos + 3]!;
    const flags = buf[pos + 4]!;
    const streamId = buf.readUInt32BE(pos + 5) & MAX_WINDOW; // §4.1: the reserved bit is ignored
    const start = pos + HEADER_SIZE;
    const end = start + size;
    const handler = this.handler;
    this.order(type, flags, streamId);
    switch (type) {
      case DATA: {
        needStream(type, streamId);
        const endStream = (flags & FLAG_END_STREAM) !== 0;
        // Unpadded, the common case: no [from, to] pair allocated per frame.
        if ((flags & FLAG_PADDED) === 0) handler.onData(streamId, buf, start, end, endStream, size);
        else {
          const [from, to] = unpad(buf, start, end, flags, 0);
          handler.onData(streamId, buf, from, to, endStream, size);
        }
        return;
      }
      case HEADERS: {
        needStream(type, streamId);
        const endHeaders = (flags & FLAG_END_HEADERS) !== 0;
        const endStream = (flags & FLAG_END_STREAM) !== 0;
        if ((flags & (FLAG_PADDED | FLAG_PRIORITY)) === 0) {
          if (!endHeaders) this.continuing = streamId;
          handler.onHeaders(streamId, buf, start, end, endStream, endHeaders);
          return;
        }
        const [from, to] = unpad(buf, start, end, flags, (flags & FLAG_PRIORITY) !== 0 ? 5 : 0);
        if (!endHeaders) this.continuing = streamId;
        handler.onHeaders(streamId, buf, from, to, endStream, endHeaders);
        return;
      }
      case PRIORITY:
        needStream(type, streamId);
        needSize(type, size, 5);
        return; // deprecated (§5.3.2): nothing to do with it
      case RST_STREAM:
        needStream(type, streamId);
        needSize(type, size, 4);
        handler.onRstStream(streamId, buf.readUInt32BE(start));
        return;
      case SETTINGS: {
        noStream(type, streamId);
        const ack = (flags & FLAG_ACK) !== 0;
        if (ack && size !== 0) throw new H2Error(FRAME_SIZE_ERROR, `SETTINGS ACK with a ${size}-byte payload`);
        if (size % 6 !== 0)
          throw new H2Error(FRAME_SIZE_ERROR, `SETTINGS payload of ${size} bytes, not a multiple of 6`);
        const values: number[] = [];
        for (let at = start; at < end; at += 6) values.push(buf.readUInt16BE(at), buf.readUInt32BE(at + 2));
        handler.onSettings(ack, values);
        return;
      }
      case PUSH_PROMISE: {
        needStream(type, streamId);
        const [from] = unpad(buf, start, end, flags, 4);
        const endHeaders = (flags & FLAG_END_HEADERS) !== 0;
        if (!endHeaders) this.continuing = streamId;
        handler.onPushPromise(streamId, buf.readUInt32BE(from - 4) & MAX_WINDOW);
        return;
      }
      case PING:
        noStream(type, streamId);
        needSize(type, size, 8);
        handler.onPing((flags & FLAG_ACK) !== 0, buf, start);
        return;
      case GOAWAY:
        noStream(type, streamId);
        if (size < 8) throw new H2Error(FRAME_SIZE_ERROR, `GOAWAY payload of ${size} bytes (at least 8)`);
        handler.onGoaway(
          buf.readUInt32BE(start) & MAX_WINDOW,
          buf.readUInt32BE(start + 4),
          buf.subarray(start + 8, end),
        );
        return;
      case WINDOW_UPDATE: {
        needSize(type, size, 4);
        const increment = buf.readUInt32BE(start) & MAX_WINDOW;
        if (increment === 0 && streamId === 0) {
          throw new H2Error(PROTOCOL_ERROR, 'WINDOW_UPDATE with an increment of 0 on the connection');
        }
        handler.onWindowUpdate(streamId, increment);
        return;
      }
      case CONTINUATION: {
        if (this.continuing === 0 || streamId !== this.continuing) {
          throw new H2Error(PROTOCOL_ERROR, `CONTINUATION on stream ${streamId} without a field block to continue`);
        }
        const endHeaders = (flags & FLAG_END_HEADERS) !== 0;
        if (endHeaders) this.continuing = 0;
        handler.onContinuation(streamId, buf, start, end, endHeaders);
        return;
      }
      default:
        return; // §4.1, §5.5: frames of unknown types are ignored
    }
  }
}

/** Strips padding (and `fixed` bytes before the content: priority, a promised id). */
function unpad(buf: Buffer, start: number, end: number, flags: number, fixed: number): [number, number] {
  let from = start;
  let to = end;
  if ((flags & FLAG_PADDED) !== 0) {
    if (end - start < 1) throw new H2Error(FRAME_SIZE_ERROR, 'padded frame without a Pad Length');
    const pad = buf[start]!;
    from++;
    // §6.1, §6.2: padding as long as the payload or longer is a PROTOCOL_ERROR.
    if (pad > to - from - fixed) throw new H2Error(PROTOCOL_ERROR, `padding of ${pad} bytes longer than the frame`);
    to -= pad;
  } else if (to - from < fixed) {
    throw new H2Error(FRAME_SIZE_ERROR, `frame payload of ${end - start} bytes too short`);
  }
  return [from + fixed, to];
}

function needStream(type: number, streamId: number): void {
  if (streamId === 0) throw new H2Error(PROTOCOL_ERROR, `${frameName(type)} frame on stream 0`);
}

function noStream(type: number, streamId: number): void {
  if (streamId !== 0) throw new H2Error(PROTOCOL_ERROR, `${frameName(type)} frame on stream ${streamId}`);
}

function needSize(type: number, size: number, want: number): void {
  if (size !== want)
    throw new H2Error(FRAME_SIZE_ERROR, `${frameName(type)} payload of ${size} bytes (${want} expected)`);
}

const FRAME_NAMES = [
  'DATA',
  'HEADERS',
  'PRIORITY',
  'RST_STREAM',
  'SETTINGS',
  'PUSH_PROMISE',
  'PING',
  'GOAWAY',
  'WINDOW_UPDATE',
  'CONTINUATION',
];

export function frameName(type: number): string {
  return FRAME_NAMES[type] ?? `type ${type}`;
}

// ---- writers ------------------------------------------------------------------------------

function writeHeader(out: Buffer, at: number, size: number, type: number, flags: number, streamId: number): void {
  out[at] = size >>> 16;
  out[at + 1] = (size >>> 8) & 0xff;
  out[at + 2] = size & 0xff;
  out[at + 3] = type;
  out[at + 4] = flags;
  out.writeUInt32BE(streamId, at + 5);
}

/** A frame with no payload, or with the payload given. */
export function frame(type: number, flags: number, streamId: number, payload?: Uint8Array): Buffer {
  const size = payload === undefined ? 0 : payload.length;
  const out = Buffer.allocUnsafe(HEADER_SIZE + size);
  writeHeader(out, 0, size, type, flags, streamId);
  if (payload !== undefined) out.set(payload, HEADER_SIZE);
  return out;
}

/**
 * A field block as HEADERS and, past `maxFrameSize` (the peer's SETTINGS_MAX_FRAME_SIZE),
 * CONTINUATION frames (RFC 9113 §6.10), in one buffer: they must go out back to back anyway.
 */
export function headersFrames(streamId: number, block: Uint8Array, endStream: boolean, maxFrameSize: number): Buffer {
  const frames = Math.max(1, Math.ceil(block.length / maxFrameSize));
  const out = Buffer.allocUnsafe(block.length + frames * HEADER_SIZE);
  let at = 0;
  for (let i = 0, from = 0; i < frames; i++, from += maxFrameSize) {
    const size = Math.min(maxFrameSize, block.length - from);
    const last = i === frames - 1;
    const type = i === 0 ? HEADERS : CONTINUATION;
    let flags = last ? FLAG_END_HEADERS : 0;
    if (i === 0 && endStream) flags |= FLAG_END_STREAM;
    writeHeader(out, at, size, type, flags, streamId);
    out.set(block.subarray(from, from + size), at + HEADER_SIZE);
    at += HEADER_SIZE + size;
  }
  return out;
}

/**
 * {@link headersFrames} for a block the HPACK encoder placed after FRAME_HEADROOM free bytes of
 * `out` (its `headroom`): a block that fits one frame gets its header written in place, with no
 * copy of the block and no second buffer.
 */
export function headersFramesInPlace(streamId: number, out: Buffer, endStream: boolean, maxFrameSize: number): Buffer {
  const size = out.length - HEADER_SIZE;
  if (size > maxFrameSize) return headersFrames(streamId, out.subarray(HEADER_SIZE), endStream, maxFrameSize);
  writeHeader(out, 0, size, HEADERS, endStream ? FLAG_END_HEADERS | FLAG_END_STREAM : FLAG_END_HEADERS, streamId);
  return out;
}

/** The octets a frame header takes: the headroom {@link headersFramesInPlace} wants. */
export const FRAME_HEADROOM = HEADER_SIZE;

/** One DATA frame with `data[start, end)`; the caller keeps it within the peer's frame size and windows. */
export function dataFrame(streamId: number, data: Buffer, start: number, end: number, endStream: boolean): Buffer {
  const out = Buffer.allocUnsafe(HEADER_SIZE + end - start);
  writeHeader(out, 0, end - start, DATA, endStream ? FLAG_END_STREAM : 0, streamId);
  data.copy(out, HEADER_SIZE, start, end);
  return out;
}

/** The 9-byte head of a DATA frame whose payload is written after it as it is (no copy). */
export function dataFrameHead(streamId: number, length: number, endStream: boolean): Buffer {
  const out = Buffer.allocUnsafe(HEADER_SIZE);
  writeHeader(out, 0, length, DATA, endStream ? FLAG_END_STREAM : 0, streamId);
  return out;
}

/** SETTINGS with `values` flat: [identifier, value, …]. */
export function settingsFrame(values: readonly number[]): Buffer {
  const out = Buffer.allocUnsafe(HEADER_SIZE + (values.length / 2) * 6);
  writeHeader(out, 0, (values.length / 2) * 6, SETTINGS, 0, 0);
  for (let i = 0, at = HEADER_SIZE; i < values.length; i += 2, at += 6) {
    out.writeUInt16BE(values[i]!, at);
    out.writeUInt32BE(values[i + 1]!, at + 2);
  }
  return out;
}

export const SETTINGS_ACK = frame(SETTINGS, FLAG_ACK, 0);

/** The answer to a PING: its 8 bytes back, with ACK (§6.7). */
export function pingAck(chunk: Buffer, start: number): Buffer {
  return frame(PING, FLAG_ACK, 0, chunk.subarray(start, start + 8));
}

export function windowUpdateFrame(streamId: number, increment: number): Buffer {
  const out = Buffer.allocUnsafe(HEADER_SIZE + 4);
  writeHeader(out, 0, 4, WINDOW_UPDATE, 0, streamId);
  out.writeUInt32BE(increment, HEADER_SIZE);
  return out;
}

export function rstStreamFrame(streamId: number, errorCode: number): Buffer {
  const out = Buffer.allocUnsafe(HEADER_SIZE + 4);
  writeHeader(out, 0, 4, RST_STREAM, 0, streamId);
  out.writeUInt32BE(errorCode, HEADER_SIZE);
  return out;
}

export function goawayFrame(lastStreamId: number, errorCode: number): Buffer {
  const out = Buffer.allocUnsafe(HEADER_SIZE + 8);
  writeHeader(out, 0, 8, GOAWAY, 0, 0);
  out.writeUInt32BE(lastStreamId, HEADER_SIZE);
  out.writeUInt32BE(errorCode, HEADER_SIZE + 4);
  return out;
}
