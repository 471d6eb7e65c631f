/**
 * llhttp — the HTTP/1 parser inside Node — driven directly, as the reference for the parser's
 * differential fuzz test. undici (a dev dependency) ships it compiled to WebAssembly; we
 * instantiate that module with our own callbacks, the way undici's client-h1.js does, so nothing
 * of undici's client is involved. Used only by tests and scripts/fuzz-parser.ts.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The little of the WebAssembly API we use (the project's `lib` has no WebAssembly types). */
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const { WebAssembly } = globalThis as unknown as { WebAssembly: Wasm };

/** llhttp_errno_t values we act on (llhttp's constants.js). */
const HPE_OK = 0;
const HPE_PAUSED = 21;
const HPE_PAUSED_UPGRADE = 22;
const TYPE_RESPONSE = 2;

interface LlhttpExports {
  memory: { buffer: ArrayBuffer };
  malloc(size: number): number;
  free(ptr: number): void;
  llhttp_alloc(type: number): number;
  llhttp_free(ptr: number): void;
  llhttp_execute(parser: number, data: number, len: number): number;
  llhttp_finish(parser: number): number;
  llhttp_resume(parser: number): void;
  llhttp_get_error_pos(parser: number): number;
  llhttp_get_error_reason(parser: number): number;
  llhttp_get_http_major(parser: number): number;
  llhttp_get_http_minor(parser: number): number;
  llhttp_should_keep_alive(parser: number): number;
}

/** What llhttp made of one response, in the shape the differential test compares. */
export interface LlhttpOutcome {
  /** The final (non-1xx) head, or null when none was complete. */
  head: { status: number; version: 0 | 1; headers: string[]; keepAlive: boolean } | null;
  body: Buffer;
  /** onMessageComplete of the final response: its keep-alive verdict. */
  completes: boolean[];
  /** Bytes of the input that belonged to the response (when it completed). */
  consumed: number;
  /** llhttp's error reason, or null. */
  error: string | null;
}

/** The callbacks' current target: llhttp calls back synchronously from execute/finish. */
interface Sink {
  base: number;
  chunk: Buffer;
  status: number;
  /** Which callback ran last in the head: header fields may come in several pieces. */
  in: 'none' | 'field' | 'value';
  field: string;
  value: string;
  headers: string[];
  interim: boolean;
  /** After the head: llhttp reports trailer fields through the same callbacks; we drop them. */
  inTrailers: boolean;
  skipBody: boolean;
  outcome: LlhttpOutcome;
  bodies: Buffer[];
  ptr: number;
}

let current: Sink | null = null;
let exports: LlhttpExports | null = null;

function load(): LlhttpExports {
  if (exports !== null) return exports;
  const bytes = require('undici/lib/llhttp/llhttp-wasm.js') as Buffer;
  const slice = (at: number, len: number): Buffer => {
    const sink = current!;
    return sink.chunk.subarray(at - sink.base, at - sink.base + len);
  };
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
    env: {
      wasm_on_url: () => 0,
      wasm_on_message_begin: () => {
        const sink = current!;
        sink.status = 0;
        sink.inTrailers = false;
        sink.in = 'none';
        sink.headers = [];
        sink.field = '';
        sink.value = '';
        return 0;
      },
      wasm_on_status: () => 0,
      wasm_on_header_field: (_p: number, at: number, len: number) => {
        const sink = current!;
        if (sink.inTrailers) return 0;
        if (sink.in !== 'field') flushField(sink);
        sink.in = 'field';
        sink.field += slice(at, len).toString('latin1');
        return 0;
      },
      wasm_on_header_value: (_p: number, at: number, len: number) => {
        const sink = current!;
        if (sink.inTrailers) return 0;
        sink.in = 'value';
        sink.value += slice(at, len).toString('latin1');
        return 0;
      },
      wasm_on_headers_complete: (p: number, status: number, _upgrade: number, keepAlive: number) => {
        const sink = current!;
        flushField(sink);
        sink.inTrailers = true;
        sink.status = status;
        sink.interim = status >= 100 && status < 200 && status !== 101;
        if (!sink.interim) {
          const e = exports!;
          sink.outcome.head = {
            status,
            version: e.llhttp_get_http_minor(p) === 0 ? 0 : 1,
            headers: sink.headers,
            keepAlive: keepAlive === 1,
          };
        }
        // 1: "this response has no body" — what the client must tell llhttp for the answer to
        // HEAD, and for a 1xx, which ends with its head (RFC 9110 §15.2), as undici does.
        return sink.skipBody || sink.interim ? 1 : 0;
      },
      wasm_on_body: (_p: number, at: number, len: number) => {
        current!.bodies.push(Buffer.from(slice(at, len)));
        return 0;
      },
      wasm_on_message_complete: (p: number) => {
        const sink = current!;
        if (sink.interim) return 0;
        sink.outcome.completes.push(exports!.llhttp_should_keep_alive(p) === 1);
        // Stop here, as our parser does: what follows belongs to the next response.
        return HPE_PAUSED;
      },
    },
  });
  exports = instance.exports as unknown as LlhttpExports;
  return exports;
}

/** The field read so far (if any) goes into the list; llhttp sends no value piece for an empty value. */
function flushField(sink: Sink): void {
  if (sink.in !== 'none') sink.headers.push(sink.field.toLowerCase(), sink.value.replace(/[ \t]+$/, ''));
  sink.field = '';
  sink.value = '';
  sink.in = 'none';
}

function errorReason(e: LlhttpExports, ptr: number, ret: number): string {
  const at = e.llhttp_get_error_reason(ptr);
  if (at === 0) return `errno ${ret}`;
  const mem = new Uint8Array(e.memory.buffer);
  let end = at;
  while (mem[end] !== 0) end++;
  return Buffer.from(mem.subarray(at, end)).toString('latin1');
}

/**
 * Parses `bytes` cut at `cuts` as the response to a `method` request; `close`: the peer closed
 * after the last byte (llhttp_finish). Feeding stops once the response completed.
 */
export function llhttpParse(bytes: Buffer, cuts: readonly number[], method: string, close: boolean): LlhttpOutcome {
  const e = load();
  const ptr = e.llhttp_alloc(TYPE_RESPONSE);
  const outcome: LlhttpOutcome = { head: null, body: Buffer.alloc(0), completes: [], consumed: 0, error: null };
  const sink: Sink = {
    base: 0,
    chunk: Buffer.alloc(0),
    status: 0,
    in: 'none',
    field: '',
    value: '',
    headers: [],
    interim: false,
    inTrailers: false,
    skipBody: method === 'HEAD',
    outcome,
    bodies: [],
    ptr,
  };
  const bounds = [...cuts.filter((c) => c > 0 && c < bytes.length), bytes.length];
  const buf = e.malloc(Math.max(bytes.length, 1));
  let prev = 0;
  try {
    current = sink;
    for (const cut of bounds) {
      const piece = bytes.subarray(prev, cut);
      prev = cut;
      if (piece.length === 0) continue;
      new Uint8Array(e.memory.buffer, buf, piece.length).set(piece);
      sink.base = buf;
      sink.chunk = piece;
      const ret = e.llhttp_execute(ptr, buf, piece.length);
      if (ret === HPE_PAUSED && outcome.completes.length > 0) {
        outcome.consumed += e.llhttp_get_error_pos(ptr) - buf;
        break;
      }
      if (ret === HPE_PAUSED_UPGRADE) {
        outcome.error = 'upgrade (101)';
        break;
      }
      if (ret !== HPE_OK) {
        outcome.error = errorReason(e, ptr, ret);
        break;
      }
      outcome.consumed += piece.length;
    }
    if (outcome.error === null && outcome.completes.length === 0 && close) {
      const ret = e.llhttp_finish(ptr);
      if (ret !== HPE_OK && ret !== HPE_PAUSED) outcome.error = errorReason(e, ptr, ret);
      else if (outcome.completes.length === 0) outcome.error = 'closed before the response was complete';
    }
  } finally {
    current = null;
    e.free(buf);
    e.llhttp_free(ptr);
  }
  outcome.body = Buffer.concat(sink.bodies);
  return outcome;
}
