/**
 * A seeded, bounded fuzz of our HTTP/2 client: a raw cleartext server (prior knowledge) answers
 * every request with a generated script — valid responses (split HEADERS/CONTINUATION, padded
 * DATA, interim 1xx, trailers) interleaved with mutations (random frames, wrong stream ids, lying
 * lengths, truncations, GOAWAY, RST_STREAM, WINDOW_UPDATE 0 or huge, SETTINGS, PING,
 * PUSH_PROMISE, garbage, half-close, reset, silence), written in random splits with small delays.
 * Whatever it sends, the run must end with exactly one result per target, each ok with a status
 * the script sent or failed with a known code, no uncaught error, and no control character from
 * the server's bytes in any message.
 *
 * Replay one case: FUZZ_SEED=<seed> FUZZ_CASE=<case> npx vitest run test/engine/h2/fuzz.test.ts
 * Hunt longer: FUZZ_SEED=<any> FUZZ_SCALE=10 (and FUZZ_STATS=1 to see how results spread).
 */
import { createHash } from 'node:crypto';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CONTINUATION,
  DATA,
  FLAG_ACK,
  FLAG_END_HEADERS,
  FLAG_END_STREAM,
  FLAG_PADDED,
  FLAG_PRIORITY,
  FrameReader,
  type FrameHandler,
  frame,
  GOAWAY,
  HEADERS,
  PING,
  PUSH_PROMISE,
  RST_STREAM,
  SETTINGS,
  SETTINGS_ACK,
  SETTINGS_HEADER_TABLE_SIZE,
  SETTINGS_INITIAL_WINDOW_SIZE,
  SETTINGS_MAX_CONCURRENT_STREAMS,
  SETTINGS_MAX_FRAME_SIZE,
  settingsFrame,
  WINDOW_UPDATE,
} from '../../../src/engine/h2/frames.js';
import { HpackDecoder } from '../../../src/engine/h2/hpack.js';
import type { Result, TargetInput } from '../../../src/types.js';
import { block } from '../../helpers/h2-raw-server.js';
import { run } from '../harness.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed_4a11);
const ONLY = process.env.FUZZ_CASE === undefined ? null : Number(process.env.FUZZ_CASE);
/** FUZZ_SCALE=n runs n times as many cases (a longer hunt, not for CI). */
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const CASES = 300 * SCALE;
const VALID_CASES = 120 * SCALE;
const CLOSING_CASES = 150 * SCALE;
/** Cases run at once, each against its own server: most of a case's time is waiting. */
const PARALLEL = 8;
/** No run may take longer than this; a run that does is a hang. */
const RUN_BOUND_MS = 8000;

/** mulberry32: small, seeded, good enough to pick bytes and branches. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rand {
  constructor(readonly next: () => number) {}
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }
  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.int(0, 255);
    return out;
  }
  /** A string with control characters, CR/LF/NUL, DEL and C1 bytes mixed in. */
  nasty(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(this.chance(0.5) ? this.int(0, 0x20) : this.int(0x7f, 0xff));
    return s;
  }
}

/** Which stream a mutation names, relative to the request it answers (§5.1.1). */
type Sid = 'self' | 'zero' | 'even' | 'unopened' | 'previous' | 'far';

/** One step of a script: bytes to write, or something done to the socket. */
type Step =
  | { kind: 'bytes'; make: (id: number) => Buffer; hostile?: true }
  | { kind: 'delay'; ms: number }
  | { kind: 'end' }
  | { kind: 'reset' }
  | { kind: 'silence' };

interface Script {
  /** What the server writes when the client's preface arrives. */
  preface: Buffer;
  /** Steps per request, given the request's stream id, method and body length to answer with. */
  respond: (id: number, method: string, path: string, acceptEncoding: string) => Step[];
  /** Every :status value (as a number) the script may put in a response head. */
  statuses: Set<number>;
  /** Cut every write into pieces at random points, with 0–3 ms between them. */
  splits: boolean;
  /** The body length a valid response to `path` has. */
  sizeFor: (path: string) => number;
  /** Bytes of mutations written so far, on every connection: all a body can gain from them. */
  hostileBytes: number;
}

const streamId = (sid: Sid, id: number): number => {
  switch (sid) {
    case 'self':
      return id;
    case 'zero':
      return 0;
    case 'even':
      return id + 1;
    case 'unopened':
      return id + 200;
    case 'previous':
      return id > 2 ? id - 2 : id;
    case 'far':
      return 0x7fff_ffff;
  }
};

/** The body a valid script sends for `path`: its length and bytes follow from the path. */
function bodyFor(path: string, size: number): Buffer {
  const unit = Buffer.from(`${path};`);
  const out = Buffer.alloc(size);
  for (let at = 0; at < size; at += unit.length) unit.copy(out, at);
  return out;
}

function padded(type: number, flags: number, id: number, payload: Buffer, pad: number): Buffer {
  if (pad < 0) return frame(type, flags, id, payload);
  return frame(type, flags | FLAG_PADDED, id, Buffer.concat([Buffer.from([pad]), payload, Buffer.alloc(pad)]));
}

/** A field block as HEADERS and CONTINUATION frames cut at random points, maybe padded and prioritised. */
function headBlock(r: Rand, fields: Array<[string, string]>, endStream: boolean): (id: number) => Buffer {
  const blk = block(fields);
  const cuts: number[] = [];
  if (r.chance(0.3)) for (let i = r.int(1, 3); i > 0; i--) cuts.push(r.int(0, blk.length));
  cuts.sort((a, b) => a - b);
  const pad = r.chance(0.3) ? r.int(0, 20) : -1;
  const prio = r.chance(0.2);
  return (id) => {
    const pieces: Buffer[] = [];
    let from = 0;
    for (const c of [...cuts, blk.length]) {
      pieces.push(blk.subarray(from, c));
      from = c;
    }
    const out: Buffer[] = [];
    pieces.forEach((piece, i) => {
      const last = i === pieces.length - 1;
      if (i === 0) {
        let flags = (last ? FLAG_END_HEADERS : 0) | (endStream ? FLAG_END_STREAM : 0);
        let payload = piece;
        if (prio) {
          flags |= FLAG_PRIORITY;
          payload = Buffer.concat([Buffer.from([0, 0, 0, 0, 16]), piece]);
        }
        out.push(padded(HEADERS, flags, id, payload, pad));
      } else out.push(frame(CONTINUATION, last ? FLAG_END_HEADERS : 0, id, piece));
    });
    return Buffer.concat(out);
  };
}

/** A valid response to one request (RFC 9113 §8.1), as steps. */
/** A content coding the request accepts, applied to `body` (or, `corrupt`, bytes that only claim it). */
function encode(r: Rand, body: Buffer, acceptEncoding: string, corrupt: boolean): [string, Buffer] | null {
  const offered = ['gzip', 'deflate', 'br'].filter((c) => acceptEncoding.includes(c));
  if (offered.length === 0 || body.length === 0 || !r.chance(0.5)) return null;
  const coding = r.pick(offered);
  const encoded =
    coding === 'gzip' ? gzipSync(body) : coding === 'deflate' ? deflateSync(body) : brotliCompressSync(body);
  if (!corrupt) return [coding, encoded];
  // Cut short, flipped bytes, or not that coding at all.
  const bad = Buffer.from(encoded);
  const how = r.int(0, 2);
  if (how === 0) return [coding, bad.subarray(0, r.int(0, bad.length - 1))];
  if (how === 1) {
    for (let i = r.int(1, 8); i > 0; i--) {
      const at = r.int(0, bad.length - 1);
      bad[at] = bad[at]! ^ r.int(1, 255);
    }
  }
  return [coding, how === 1 ? bad : r.bytes(r.int(1, 200))];
}

function validResponse(
  r: Rand,
  statuses: Set<number>,
  method: string,
  path: string,
  size: number,
  acceptEncoding: string,
  corrupt: boolean,
): Step[] {
  const steps: Step[] = [];
  const interim = r.chance(0.2) ? r.int(1, 2) : 0;
  for (let i = 0; i < interim; i++) {
    const status = r.pick([100, 102, 103]);
    steps.push({ kind: 'bytes', make: headBlock(r, [[':status', String(status)]], false) });
  }
  const status = r.pick([200, 200, 200, 201, 204, 301, 404, 500, 503]);
  statuses.add(status);
  const noBody = method === 'HEAD' || status === 204;
  let body = noBody ? Buffer.alloc(0) : bodyFor(path, size);
  const fields: Array<[string, string]> = [[':status', String(status)]];
  const coded = encode(r, body, acceptEncoding, corrupt);
  if (coded !== null) {
    fields.push(['content-encoding', coded[0]]);
    body = coded[1];
  }
  if (r.chance(0.5) && status !== 204) fields.push(['content-length', String(method === 'HEAD' ? size : body.length)]);
  if (r.chance(0.3)) fields.push(['x-fuzz', 'a'.repeat(r.int(0, 300))]);
  const trailers = !noBody && r.chance(0.2);
  if (body.length === 0 && !trailers) {
    steps.push({ kind: 'bytes', make: headBlock(r, fields, true) });
    return steps;
  }
  steps.push({ kind: 'bytes', make: headBlock(r, fields, false) });
  let at = 0;
  do {
    const n = Math.min(body.length - at, r.int(0, 6000));
    const piece = body.subarray(at, at + n);
    at += n;
    const end = at === body.length && !trailers;
    const pad = r.chance(0.3) ? r.int(0, 40) : -1;
    steps.push({ kind: 'bytes', make: (id) => padded(DATA, end ? FLAG_END_STREAM : 0, id, piece, pad) });
  } while (at < body.length);
  if (trailers) steps.push({ kind: 'bytes', make: headBlock(r, [['x-trailer', 'done']], true) });
  return steps;
}

const SIDS: readonly Sid[] = ['self', 'self', 'zero', 'even', 'unopened', 'previous', 'far'];

/** One hostile step. */
function mutation(r: Rand, statuses: Set<number>): Step {
  const sid = r.pick(SIDS);
  const bytes = (make: (id: number) => Buffer): Step => ({ kind: 'bytes', make, hostile: true });
  switch (r.int(0, 21)) {
    case 0:
      return bytes((id) => frame(r.int(0, 12), r.int(0, 255), streamId(sid, id), r.bytes(r.int(0, 40))));
    case 1: {
      const last = r.chance(0.5) ? r.pick(SIDS) : null;
      const code = r.pick([0, 0, 1, 2, 7, 11, 0xffff_ffff]);
      const debug = r.chance(0.5) ? Buffer.from(r.nasty(20), 'latin1') : Buffer.alloc(0);
      return bytes((id) => {
        const payload = Buffer.alloc(8);
        payload.writeUInt32BE(last === null ? 0 : streamId(last, id), 0);
        payload.writeUInt32BE(code, 4);
        return frame(GOAWAY, 0, 0, Buffer.concat([payload, debug]));
      });
    }
    case 2: {
      const code = r.pick([0, 1, 2, 7, 8, 0xffff_ffff]);
      return bytes((id) => {
        const payload = Buffer.alloc(4);
        payload.writeUInt32BE(code, 0);
        return frame(RST_STREAM, 0, streamId(sid, id), payload);
      });
    }
    case 3: {
      const inc = r.pick([0, 1, 65_535, 0x7fff_ffff]);
      return bytes((id) => {
        const payload = Buffer.alloc(4);
        payload.writeUInt32BE(inc, 0);
        return frame(WINDOW_UPDATE, 0, r.chance(0.5) ? 0 : streamId(sid, id), payload);
      });
    }
    case 4: {
      const values: number[] = [];
      for (let i = r.int(0, 4); i > 0; i--) {
        values.push(r.int(0, 9), r.pick([0, 1, 100, 16_383, 16_384, 65_535, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff]));
      }
      return bytes(() => settingsFrame(values));
    }
    case 5:
      return bytes(() => (r.chance(0.5) ? SETTINGS_ACK : frame(SETTINGS, FLAG_ACK, 0, r.bytes(6))));
    case 6:
      return bytes(() => frame(PING, r.chance(0.8) ? 0 : FLAG_ACK, 0, r.bytes(r.chance(0.9) ? 8 : r.int(0, 12))));
    case 7:
      return bytes((id) =>
        frame(PUSH_PROMISE, r.chance(0.5) ? FLAG_END_HEADERS : 0, streamId(sid, id), Buffer.from([0, 0, 0, 2, 0x88])),
      );
    case 8:
      return bytes(() => r.bytes(r.int(1, 64)));
    case 9: {
      // A length that lies: the header says more (or less) than the payload written.
      const payload = r.bytes(r.int(0, 30));
      const claimed = r.int(0, 60);
      return bytes((id) => {
        const f = frame(
          r.pick([DATA, HEADERS, SETTINGS, PING, WINDOW_UPDATE]),
          r.int(0, 255),
          streamId(sid, id),
          payload,
        );
        f[0] = 0;
        f[1] = claimed >> 8;
        f[2] = claimed & 0xff;
        return f;
      });
    }
    case 10:
      // A truncated frame: the rest never comes (what follows it is read as its payload).
      return bytes((id) =>
        frame(r.pick([DATA, HEADERS, GOAWAY]), 0, streamId(sid, id), r.bytes(40)).subarray(0, r.int(1, 30)),
      );
    case 11:
      // A frame over our SETTINGS_MAX_FRAME_SIZE (16,384): its header only.
      return bytes((id) => {
        const f = frame(r.pick([DATA, HEADERS, 0x42]), 0, streamId(sid, id));
        f[0] = r.int(1, 255);
        return f;
      });
    case 12: {
      // A head with a broken :status or header value.
      const status = r.pick(['0', '999', 'abc', '20', '2000', '']);
      const n = Number(status);
      if (/^[0-9]{3}$/.test(status) && n >= 200) statuses.add(n);
      const fields: Array<[string, string]> = [[':status', status]];
      if (r.chance(0.5)) fields.push([':status', '200']);
      if (r.chance(0.5)) fields.push(['x-bad', r.nasty(r.int(1, 10))]);
      if (r.chance(0.3)) fields.push([r.nasty(3), 'v']);
      return { kind: 'bytes', make: headBlock(r, fields, r.chance(0.5)), hostile: true };
    }
    case 13:
      return bytes((id) => frame(DATA, FLAG_END_STREAM, streamId(sid, id), r.bytes(r.int(0, 100))));
    case 14:
      return bytes((id) => frame(CONTINUATION, r.chance(0.5) ? FLAG_END_HEADERS : 0, streamId(sid, id), r.bytes(5)));
    case 15:
      return bytes((id) => frame(HEADERS, 0, streamId(sid, id), block([[':status', '200']])));
    case 16:
      return { kind: 'delay', ms: r.int(0, 20) };
    case 17:
      return { kind: 'end' };
    case 18:
      return { kind: 'reset' };
    case 19:
      return { kind: 'silence' };
    case 20: {
      // A burst of PINGs (our ACKs must not pile up without bound).
      const n = r.int(10, 300);
      return bytes(() => Buffer.concat(Array.from({ length: n }, () => frame(PING, 0, 0, Buffer.alloc(8)))));
    }
    default: {
      // A dynamic table size update larger than we allow, then a head.
      return bytes((id) => frame(HEADERS, FLAG_END_HEADERS, id, Buffer.from([0x3f, 0xe1, 0xff, 0x03, 0x88])));
    }
  }
}

function validSettings(r: Rand): Buffer {
  const values: number[] = [];
  if (r.chance(0.7)) values.push(SETTINGS_MAX_CONCURRENT_STREAMS, r.int(1, 100));
  if (r.chance(0.3)) values.push(SETTINGS_INITIAL_WINDOW_SIZE, r.pick([0, 1, 100, 65_535, 1 << 20]));
  if (r.chance(0.3)) values.push(SETTINGS_MAX_FRAME_SIZE, r.pick([16_384, 65_536, 0xff_ffff]));
  if (r.chance(0.3)) values.push(SETTINGS_HEADER_TABLE_SIZE, r.pick([0, 4096, 1 << 20]));
  return settingsFrame(values);
}

function makeScript(r: Rand, hostile: boolean): Script {
  const statuses = new Set<number>();
  let preface = validSettings(r);
  // The window a valid script keeps within: an INITIAL_WINDOW_SIZE of 0 would hold uploads forever.
  if (!hostile) preface = settingsFrame([SETTINGS_MAX_CONCURRENT_STREAMS, r.int(1, 100)]);
  else if (r.chance(0.15)) {
    preface = r.pick([
      Buffer.alloc(0),
      r.bytes(r.int(1, 30)),
      Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n'),
      frame(PING, 0, 0, Buffer.alloc(8)),
      Buffer.concat([preface, frame(GOAWAY, 0, 0, Buffer.alloc(8))]),
    ]);
  }
  const sizeBase = r.int(0, 20_000);
  const mutationRate = hostile ? r.pick([0.02, 0.08, 0.3]) : 0;
  // Decided per script, not per request: each request answers from its own generator state.
  const seed = r.int(0, 0xffff_ffff);
  let calls = 0;
  const sizeFor = (path: string): number => (sizeBase + Number(path.split('/').pop()) * 37) % 20_000;
  return {
    preface,
    statuses,
    splits: r.chance(0.5),
    sizeFor,
    hostileBytes: 0,
    respond: (_id, method, path, acceptEncoding) => {
      const rr = new Rand(prng(seed + calls++));
      const corrupt = hostile && rr.chance(0.2);
      const steps = validResponse(rr, statuses, method, path, sizeFor(path), acceptEncoding, corrupt);
      if (mutationRate === 0) return steps;
      const out: Step[] = [];
      for (const step of steps) {
        while (rr.chance(mutationRate)) out.push(mutation(rr, statuses));
        if (!rr.chance(mutationRate / 4)) out.push(step);
      }
      while (rr.chance(mutationRate)) out.push(mutation(rr, statuses));
      return out;
    },
  };
}

interface FuzzServer {
  url: string;
  close(): Promise<void>;
}

const PREFACE_LENGTH = 24;

/** The raw server: reads the client's requests, answers each with the script's steps. */
async function startFuzzServer(script: Script, r: Rand, closeIdleMs: number | null): Promise<FuzzServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let silent = false;
    // A closing server: after closeIdleMs without a byte either way, the connection closes.
    let idle: NodeJS.Timeout | undefined;
    const busy = (): void => {
      if (closeIdleMs === null) return;
      clearTimeout(idle);
      idle = setTimeout(() => socket.destroy(), closeIdleMs).unref();
    };
    busy();
    socket.on('close', () => clearTimeout(idle));
    // One chain per connection: a step's pieces go out whole before the next step's.
    let chain: Promise<void> = Promise.resolve();
    const write = (bytes: Buffer): Promise<void> => {
      if (!script.splits || bytes.length < 2) {
        if (!socket.destroyed && !silent && socket.writable) socket.write(bytes);
        busy();
        return Promise.resolve();
      }
      const cuts = Array.from({ length: r.int(1, 3) }, () => r.int(1, bytes.length - 1)).sort((a, b) => a - b);
      let p = Promise.resolve();
      let from = 0;
      for (const c of [...cuts, bytes.length]) {
        const piece = bytes.subarray(from, c);
        from = c;
        const ms = r.int(0, 3);
        p = p.then(async () => {
          if (ms > 0) await sleep(ms);
          if (!socket.destroyed && !silent && socket.writable) socket.write(piece);
          busy();
        });
      }
      return p;
    };
    const perform = (steps: Step[], id: number): void => {
      for (const step of steps) {
        chain = chain.then(() => act(step, id));
      }
    };
    /** One step; an error of the fuzz server's own is its bug, kept apart from the client's. */
    const act = async (step: Step, id: number): Promise<void> => {
      if (silent || socket.destroyed) return;
      try {
        switch (step.kind) {
          case 'bytes': {
            const out = step.make(id);
            if (step.hostile) script.hostileBytes += out.length;
            await write(out);
            return;
          }
          case 'delay':
            await sleep(step.ms);
            return;
          case 'end':
            socket.end();
            return;
          case 'reset':
            socket.resetAndDestroy();
            return;
          case 'silence':
            silent = true;
            return;
        }
      } catch (err) {
        serverErrors.push(err);
        socket.destroy();
      }
    };
    const decoder = new HpackDecoder();
    let blockId = 0;
    const endBlock = (): void => {
      const fields = decoder.end().fields;
      const get = (name: string): string => {
        for (let i = 0; i < fields.length; i += 2) if (fields[i] === name) return fields[i + 1]!;
        return '';
      };
      perform(script.respond(blockId, get(':method'), get(':path'), get('accept-encoding')), blockId);
    };
    const handler: FrameHandler = {
      onData: () => {},
      onHeaders: (id, c, s, e, _end, endHeaders) => {
        blockId = id;
        decoder.begin(1 << 20);
        decoder.push(c.subarray(s, e));
        if (endHeaders) endBlock();
      },
      onContinuation: (_id, c, s, e, endHeaders) => {
        decoder.push(c.subarray(s, e));
        if (endHeaders) endBlock();
      },
      onRstStream: () => {},
      onSettings: (ack) => {
        if (!ack) chain = chain.then(() => write(SETTINGS_ACK));
      },
      onPing: () => {},
      onGoaway: () => {},
      onWindowUpdate: () => {},
      onPushPromise: () => {},
    };
    const reader = new FrameReader(handler, 1 << 24);
    let preface = 0;
    socket.on('data', (chunk: Buffer) => {
      busy();
      let rest = chunk;
      if (preface < PREFACE_LENGTH) {
        const take = Math.min(PREFACE_LENGTH - preface, rest.length);
        preface += take;
        rest = rest.subarray(take);
        if (preface === PREFACE_LENGTH) chain = chain.then(() => write(script.preface));
      }
      try {
        if (rest.length > 0) reader.execute(rest);
      } catch {
        socket.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** The codes a hostile HTTP/2 server can earn a target (see docs/errors). */
const KNOWN_CODES = new Set(['protocol', 'reset', 'timeout', 'truncated', 'too_large']);
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

interface Case {
  n: number;
  targets: TargetInput[];
  concurrency: number;
}

function makeTargets(r: Rand, url: string): Case {
  const n = r.int(1, 12);
  const targets: TargetInput[] = [];
  for (let i = 0; i < n; i++) {
    const method = r.pick(['GET', 'GET', 'HEAD', 'POST']);
    const t: { url: string; method: string; body?: string } = { url: `${url}/t/${i}`, method };
    if (method === 'POST') t.body = 'p'.repeat(r.int(0, 2000));
    targets.push(t);
  }
  return { n, targets, concurrency: r.int(1, 8) };
}

/** Errors in the fuzz server's own code (a bug of this test, not of the client). */
const serverErrors: unknown[] = [];
/** Uncaught exceptions and unhandled rejections while a case runs: any is a failure. */
const stray: unknown[] = [];
const onStray = (err: unknown): void => {
  stray.push(err);
};
beforeAll(() => {
  process.on('uncaughtException', onStray);
  process.on('unhandledRejection', onStray);
});
afterAll(() => {
  process.off('uncaughtException', onStray);
  process.off('unhandledRejection', onStray);
});
afterEach(() => {
  expect(stray.splice(0).map((e) => (e instanceof Error ? e.stack : String(e)))).toEqual([]);
  expect(serverErrors.splice(0).map(String)).toEqual([]);
});

/** Runs one case; returns what is wrong with its results (empty: nothing). */
type Mode = 'valid' | 'hostile' | 'closing';

async function runCase(seed: number, k: number, mode: Mode): Promise<string[]> {
  const hostile = mode !== 'valid';
  const r = new Rand(prng(seed ^ Math.imul(k + 1, 0x9e37_79b9) ^ (mode === 'closing' ? 0x7777 : 0)));
  const script = makeScript(r, hostile);
  const server = await startFuzzServer(script, r, mode === 'closing' ? 40 : null);
  const { n, targets, concurrency } = makeTargets(r, server.url);
  const compressed = r.chance(0.4);
  const problems: string[] = [];
  const where = `seed ${seed} case ${k}`;
  let timer: NodeJS.Timeout | undefined;
  const t0 = performance.now();
  try {
    const bound = new Promise<'hung'>((resolve) => {
      timer = setTimeout(() => resolve('hung'), RUN_BOUND_MS);
    });
    const results = await Promise.race([
      run(targets, {
        http2PriorKnowledge: true,
        timeout: mode === 'hostile' ? 300 : 5000,
        concurrency,
        hash: 'sha256',
        compressed,
      }),
      bound,
    ]);
    if (results === 'hung') return [`${where}: the run did not end within ${RUN_BOUND_MS} ms`];
    const seen = results.map((x) => x.index).sort((a, b) => a - b);
    if (seen.length !== n || !seen.every((v, i) => v === i)) {
      problems.push(`${where}: result indexes ${JSON.stringify(seen)} for ${n} targets`);
    }
    if (STATS !== null) for (const res of results) tally(STATS, res.error?.code ?? `ok ${res.status}`);
    for (const res of results) {
      problems.push(...check(res, script, targets, hostile).map((p) => `${where}: ${p}`));
      // Every connection closes soon after its last byte: the client must notice, not wait out its deadline.
      if (mode === 'closing' && res.error?.code === 'timeout') {
        problems.push(`${where}: target ${res.index} timed out on a server that closed: ${res.error.message}`);
      }
    }
  } finally {
    clearTimeout(timer);
    await server.close();
    if (STATS !== null) tally(STATS, `cases over 500 ms`, performance.now() - t0 > 500 ? 1 : 0);
  }
  return problems;
}

function check(res: Result, script: Script, targets: TargetInput[], hostile: boolean): string[] {
  const problems: string[] = [];
  const t = `target ${res.index}`;
  if (res.status !== null && !script.statuses.has(res.status)) problems.push(`${t}: status ${res.status} never sent`);
  if (res.error !== null) {
    if (!KNOWN_CODES.has(res.error.code))
      problems.push(`${t}: unexpected code ${res.error.code}: ${res.error.message}`);
    if (CONTROL.test(res.error.message))
      problems.push(`${t}: control character in ${JSON.stringify(res.error.message)}`);
  } else if (res.status === null) problems.push(`${t}: no error and no status`);
  for (const f of res.failures) if (CONTROL.test(f)) problems.push(`${t}: control character in ${JSON.stringify(f)}`);
  if (hostile && res.error === null) {
    // One response's body (coded: at most a little larger; corrupt: up to 200 random bytes) plus
    // whatever the mutations wrote: more means bodies of two responses were mixed into one result.
    const path = new URL((targets[res.index] as { url: string }).url).pathname;
    const bound = script.sizeFor(path) + 256 + script.hostileBytes;
    if (res.bytes > bound)
      problems.push(`${t}: ${res.bytes} body bytes, more than one response could carry (${bound})`);
  }
  if (!hostile) {
    const target = targets[res.index] as { url: string; method: string };
    const path = new URL(target.url).pathname;
    if (res.error !== null) problems.push(`${t}: ${res.error.code}: ${res.error.message}`);
    else {
      const body =
        target.method === 'HEAD' || res.status === 204 ? Buffer.alloc(0) : bodyFor(path, script.sizeFor(path));
      const want = createHash('sha256').update(body).digest('hex');
      const got = res.decodedBytes ?? res.bytes;
      if (got !== body.length || res.sha256 !== want) {
        problems.push(`${t}: ${got} bytes (sha256 ${res.sha256}), not the ${body.length} sent`);
      }
    }
  }
  return problems;
}

/** FUZZ_STATS=1: how the results were spread (to see what a change of the generator does). */
const STATS = process.env.FUZZ_STATS ? new Map<string, number>() : null;
function tally(stats: Map<string, number>, key: string, n = 1): void {
  stats.set(key, (stats.get(key) ?? 0) + n);
}
afterAll(() => {
  if (STATS !== null) console.log(STATS);
});

async function fuzz(cases: number, mode: Mode): Promise<string[]> {
  const problems: string[] = [];
  const ks = ONLY === null ? Array.from({ length: cases }, (_, k) => k) : [ONLY];
  let next = 0;
  // PARALLEL workers take the next case as each finishes; the first problem stops them all.
  const worker = async (): Promise<void> => {
    while (next < ks.length && problems.length === 0) {
      problems.push(...(await runCase(SEED, ks[next++]!, mode)));
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return problems;
}

describe('HTTP/2 client fuzz (seeded)', () => {
  it(`${VALID_CASES} valid scripts: every target ok with its body`, { timeout: 60_000 * SCALE }, async () => {
    expect(await fuzz(VALID_CASES, 'valid')).toEqual([]);
  });

  it(`${CASES} hostile scripts: one result per target, known codes, no hang, no crash, no control characters`, {
    timeout: 120_000 * SCALE,
  }, async () => {
    expect(await fuzz(CASES, 'hostile')).toEqual([]);
  });

  it(`${CLOSING_CASES} hostile scripts on a server that closes each connection once idle: no target waits out its deadline`, {
    timeout: 120_000 * SCALE,
  }, async () => {
    expect(await fuzz(CLOSING_CASES, 'closing')).toEqual([]);
  });
});
