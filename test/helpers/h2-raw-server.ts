/**
 * A raw HTTP/2 server (cleartext, prior knowledge) on 127.0.0.1 port 0 that writes exactly the
 * bytes a test tells it to: for the client behaviours node's http2 server would never provoke
 * (PUSH_PROMISE to a client that refused push, bad windows, malformed heads, CONTINUATION floods).
 * It reads the client's frames with the engine's frame reader and HPACK decoder, and logs what
 * the client sent that tests assert on (RST_STREAM, GOAWAY, WINDOW_UPDATE, PING ACK).
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import {
  CONTINUATION,
  DATA,
  FLAG_END_HEADERS,
  FLAG_END_STREAM,
  FrameReader,
  type FrameHandler,
  frame,
  HEADERS,
  SETTINGS_ACK,
  settingsFrame,
} from '../../src/engine/h2/frames.js';
import { HpackDecoder } from '../../src/engine/h2/hpack.js';

export interface RawRequest {
  readonly id: number;
  /** Flat [name, value, …] as the client sent them. */
  readonly fields: string[];
  readonly path: string;
  readonly method: string;
  /** The HEADERS frame ended the stream (no request body). */
  readonly endStream: boolean;
}

export interface RawConnection {
  /** 0, 1, … in the order accepted. */
  readonly index: number;
  readonly socket: Socket;
  /** What the client sent besides requests: `RST 3 8`, `GOAWAY 0 1`, `WU 0 1000`, `PING-ACK`, `DATA 1 16384 end`. */
  readonly log: string[];
  /** Requests so far, in order. */
  readonly requests: RawRequest[];
  /** The size of the server's HPACK dynamic table now (what the client's encoder has put in it). */
  tableSize(): number;
  write(...frames: Buffer[]): void;
  /** HEADERS (:status and fields) and, when `body` is given, one DATA frame; END_STREAM on the last. */
  respond(id: number, status: number, fields?: Array<[string, string]>, body?: string): void;
}

export interface RawServerOptions {
  /** The server's SETTINGS values, flat; sent as soon as the client's preface arrives. Default: none. */
  settings?: number[];
  /** Write the SETTINGS frame one byte at a time (a split at every byte of the server preface). */
  splitSettings?: boolean;
  onRequest(conn: RawConnection, req: RawRequest): void;
  /** Request body bytes. */
  onData?(conn: RawConnection, id: number, bytes: number, endStream: boolean): void;
  /** The client credited `increment` bytes on stream `id` (0: the connection). */
  onWindowUpdate?(conn: RawConnection, id: number, increment: number): void;
}

export interface RawServer {
  readonly url: string;
  readonly connections: RawConnection[];
  close(): Promise<void>;
}

/** RFC 7541 §5.1: an integer with an N-bit prefix; `first` carries the representation's flag bits. */
function hpackInt(value: number, prefix: number, first: number): number[] {
  const max = (1 << prefix) - 1;
  if (value < max) return [first | value];
  const out = [first | max];
  let rest = value - max;
  while (rest >= 128) {
    out.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

function hpackString(s: string): number[] {
  const bytes = Buffer.from(s, 'latin1');
  return [...hpackInt(bytes.length, 7, 0), ...bytes];
}

/**
 * A field block as a test writes it, no compression state involved: `:status` as a literal with
 * the static table's name (index 8), every field as a literal without indexing (RFC 7541 §6.2.2).
 */
export function block(fields: ReadonlyArray<readonly [string, string]>): Buffer {
  const out: number[] = [];
  for (const [name, value] of fields) {
    if (name === ':status') out.push(...hpackInt(8, 4, 0), ...hpackString(value));
    else out.push(0, ...hpackString(name), ...hpackString(value));
  }
  return Buffer.from(out);
}

/** HEADERS with a whole block. */
export function headers(id: number, fields: ReadonlyArray<readonly [string, string]>, endStream: boolean): Buffer {
  return frame(HEADERS, FLAG_END_HEADERS | (endStream ? FLAG_END_STREAM : 0), id, block(fields));
}

export function data(id: number, body: string | Buffer, endStream: boolean): Buffer {
  return frame(DATA, endStream ? FLAG_END_STREAM : 0, id, typeof body === 'string' ? Buffer.from(body) : body);
}

export function continuation(id: number, fragment: Buffer, endHeaders: boolean): Buffer {
  return frame(CONTINUATION, endHeaders ? FLAG_END_HEADERS : 0, id, fragment);
}

const PREFACE_LENGTH = 24;

export async function startRawH2Server(options: RawServerOptions): Promise<RawServer> {
  const connections: RawConnection[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const decoder = new HpackDecoder();
    let blockId = 0;
    let blockEnd = false;
    // Whatever the test writes before the server's SETTINGS are out waits for them (§3.4).
    let prefaceSent = false;
    const held: Buffer[] = [];
    const send = (bytes: Buffer): void => {
      if (!socket.destroyed) socket.write(bytes);
    };
    const conn: RawConnection = {
      index: connections.length,
      socket,
      log: [],
      requests: [],
      tableSize: () => decoder.dynamicTableSize,
      write: (...frames) => {
        if (prefaceSent) send(Buffer.concat(frames));
        else held.push(...frames);
      },
      respond: (id, status, fields = [], body) => {
        const head = headers(id, [[':status', String(status)], ...fields], body === undefined);
        conn.write(body === undefined ? head : Buffer.concat([head, data(id, body, true)]));
      },
    };
    connections.push(conn);
    const endBlock = (): void => {
      const decoded = decoder.end();
      const fields = decoded.fields;
      const get = (name: string): string => {
        for (let i = 0; i < fields.length; i += 2) if (fields[i] === name) return fields[i + 1]!;
        return '';
      };
      const req: RawRequest = { id: blockId, fields, path: get(':path'), method: get(':method'), endStream: blockEnd };
      conn.requests.push(req);
      options.onRequest(conn, req);
    };
    const handler: FrameHandler = {
      onData: (id, _c, s, e, end) => {
        conn.log.push(`DATA ${id} ${e - s}${end ? ' end' : ''}`);
        options.onData?.(conn, id, e - s, end);
      },
      onHeaders: (id, c, s, e, end, endHeaders) => {
        blockId = id;
        blockEnd = end;
        decoder.begin(1 << 20);
        decoder.push(c.subarray(s, e));
        if (endHeaders) endBlock();
      },
      onContinuation: (_id, c, s, e, endHeaders) => {
        decoder.push(c.subarray(s, e));
        if (endHeaders) endBlock();
      },
      onRstStream: (id, code) => conn.log.push(`RST ${id} ${code}`),
      onSettings: (ack) => {
        if (!ack) conn.write(SETTINGS_ACK);
      },
      onPing: (ack) => {
        if (ack) conn.log.push('PING-ACK');
      },
      onGoaway: (last, code) => conn.log.push(`GOAWAY ${last} ${code}`),
      onWindowUpdate: (id, inc) => {
        conn.log.push(`WU ${id} ${inc}`);
        options.onWindowUpdate?.(conn, id, inc);
      },
      onPushPromise: () => {},
    };
    const reader = new FrameReader(handler);
    let preface = 0;
    socket.on('data', (chunk: Buffer) => {
      let rest = chunk;
      if (preface < PREFACE_LENGTH) {
        const take = Math.min(PREFACE_LENGTH - preface, rest.length);
        preface += take;
        rest = rest.subarray(take);
        if (preface === PREFACE_LENGTH) sendSettings();
      }
      try {
        if (rest.length > 0) reader.execute(rest);
      } catch {
        socket.destroy();
      }
    });
    const sendSettings = (): void => {
      const settings = settingsFrame(options.settings ?? []);
      const done = (): void => {
        prefaceSent = true;
        if (held.length > 0) send(Buffer.concat(held.splice(0)));
      };
      if (!options.splitSettings) {
        send(settings);
        done();
        return;
      }
      let i = 0;
      const next = (): void => {
        if (socket.destroyed) return;
        if (i >= settings.length) {
          done();
          return;
        }
        send(settings.subarray(i, i + 1));
        i++;
        setTimeout(next, 1);
      };
      next();
    };
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
