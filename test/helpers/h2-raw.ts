/**
 * Test-only HTTP/2 framing, just enough to talk HPACK with node's http2 (nghttp2) over a raw
 * TCP connection: the client preface, SETTINGS and its ACK, HEADERS + CONTINUATION out, and
 * reading frames back. No flow control, no streams state — the tests drive it step by step.
 */
import net from 'node:net';

export const FRAME = {
  DATA: 0,
  HEADERS: 1,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  WINDOW_UPDATE: 8,
  CONTINUATION: 9,
} as const;
export const FLAG = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const;
export const SETTING = { HEADER_TABLE_SIZE: 1, ENABLE_PUSH: 2, MAX_HEADER_LIST_SIZE: 6 } as const;

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
/** RFC 9113 §4.2: the default SETTINGS_MAX_FRAME_SIZE, which we never raise. */
const MAX_FRAME = 16384;

export interface Frame {
  type: number;
  flags: number;
  stream: number;
  payload: Buffer;
}

export function frame(type: number, flags: number, stream: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(stream & 0x7fffffff, 5);
  return Buffer.concat([head, payload]);
}

export function settingsFrame(settings: Array<[number, number]>): Buffer {
  const payload = Buffer.alloc(settings.length * 6);
  settings.forEach(([id, value], i) => {
    payload.writeUInt16BE(id, i * 6);
    payload.writeUInt32BE(value, i * 6 + 2);
  });
  return frame(FRAME.SETTINGS, 0, 0, payload);
}

/** A header block as HEADERS (+ CONTINUATION when over one frame), END_STREAM set. */
export function headersFrames(stream: number, block: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at === 0 || at < block.length; at += MAX_FRAME) {
    const chunk = block.subarray(at, at + MAX_FRAME);
    const last = at + MAX_FRAME >= block.length;
    const type = at === 0 ? FRAME.HEADERS : FRAME.CONTINUATION;
    const flags = (at === 0 ? FLAG.END_STREAM : 0) | (last ? FLAG.END_HEADERS : 0);
    parts.push(frame(type, flags, stream, chunk));
  }
  return Buffer.concat(parts);
}

/** The header block fragment of a HEADERS frame: padding and priority fields stripped. */
export function headerFragment(f: Frame): Buffer {
  let start = 0;
  let end = f.payload.length;
  if (f.type === FRAME.HEADERS) {
    if ((f.flags & FLAG.PADDED) !== 0) {
      end -= f.payload[0]!;
      start = 1;
    }
    if ((f.flags & FLAG.PRIORITY) !== 0) start += 5;
  }
  return f.payload.subarray(start, end);
}

export interface RawH2 {
  socket: net.Socket;
  /** The settings the server sent in its first SETTINGS frame. */
  serverSettings: Map<number, number>;
  send(bytes: Buffer): void;
  /** The next frame, answering SETTINGS (ACK) and skipping PING / WINDOW_UPDATE on the way. */
  next(): Promise<Frame>;
  /** The fragments of the next header block on `stream` (HEADERS then CONTINUATIONs). */
  headerBlock(stream: number): Promise<Buffer[]>;
  close(): void;
}

/** Connects, sends the preface and our SETTINGS, and reads the server's SETTINGS. */
export async function connectRaw(port: number, settings: Array<[number, number]>): Promise<RawH2> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let buffered = Buffer.alloc(0);
  const frames: Frame[] = [];
  let waiter: { resolve: (f: Frame) => void; reject: (e: Error) => void } | null = null;
  let failure: Error | null = null;
  const fail = (err: Error): void => {
    failure = err;
    waiter?.reject(err);
    waiter = null;
  };
  socket.on('error', fail);
  socket.on('close', () => fail(new Error('connection closed')));
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 9) {
      const length = buffered.readUIntBE(0, 3);
      if (buffered.length < 9 + length) break;
      const f: Frame = {
        type: buffered[3]!,
        flags: buffered[4]!,
        stream: buffered.readUInt32BE(5) & 0x7fffffff,
        payload: Buffer.from(buffered.subarray(9, 9 + length)),
      };
      buffered = buffered.subarray(9 + length);
      if (f.type === FRAME.SETTINGS && (f.flags & FLAG.ACK) === 0) socket.write(frame(FRAME.SETTINGS, FLAG.ACK, 0));
      if (f.type === FRAME.PING || f.type === FRAME.WINDOW_UPDATE) continue;
      if (f.type === FRAME.SETTINGS && (f.flags & FLAG.ACK) !== 0) continue;
      if (waiter !== null) {
        const w = waiter;
        waiter = null;
        w.resolve(f);
      } else {
        frames.push(f);
      }
    }
  });
  const next = (): Promise<Frame> => {
    const f = frames.shift();
    if (f !== undefined) return Promise.resolve(f);
    if (failure !== null) return Promise.reject(failure);
    return new Promise((resolve, reject) => {
      waiter = { resolve, reject };
    });
  };
  socket.write(Buffer.concat([PREFACE, settingsFrame(settings)]));
  const first = await next();
  if (first.type !== FRAME.SETTINGS) throw new Error(`expected SETTINGS first, got frame type ${first.type}`);
  const serverSettings = new Map<number, number>();
  for (let i = 0; i + 6 <= first.payload.length; i += 6) {
    serverSettings.set(first.payload.readUInt16BE(i), first.payload.readUInt32BE(i + 2));
  }
  return {
    socket,
    serverSettings,
    send: (bytes) => socket.write(bytes),
    next,
    async headerBlock(stream) {
      const out: Buffer[] = [];
      for (;;) {
        const f = await next();
        if (f.type === FRAME.GOAWAY || f.type === FRAME.RST_STREAM) {
          throw new Error(`server sent frame type ${f.type}: ${f.payload.toString('hex')}`);
        }
        if (f.stream !== stream || (f.type !== FRAME.HEADERS && f.type !== FRAME.CONTINUATION)) continue;
        out.push(headerFragment(f));
        if ((f.flags & FLAG.END_HEADERS) !== 0) return out;
      }
    },
    close: () => socket.destroy(),
  };
}
