/**
 * A tiny push-fed HTTP/1.1 request reader for the test servers: waits for the end of the head
 * (`\r\n\r\n`) and for a Content-Length body, then hands out one {@link ServerRequest}. It is
 * strict where a lenient reader would hide an engine bug (bare LF, obs-fold, conflicting
 * lengths), because what the engine writes is exactly what tests want to check.
 */
import type { ConnectionContext } from './raw-server.js';
import { send } from './raw-server.js';
import { response } from './response.js';

export interface ServerRequest {
  method: string;
  /** The request-target as sent, e.g. `/echo?x=1`. */
  target: string;
  /** `HTTP/1.1` or `HTTP/1.0`. */
  version: string;
  /** Header fields in the order received; names keep their case, values are trimmed of OWS. */
  headers: Array<[name: string, value: string]>;
  /** The raw head bytes, request line through the blank line. */
  head: Buffer;
  body: Buffer;
  /** 0-based number of the connection it arrived on. */
  connection: number;
  /** The value of the first field named `name` (case-insensitive), or undefined. */
  header(name: string): string | undefined;
}

/** Why a request could not be read; the server answers with `status` and closes. */
export class RequestSyntaxError extends Error {
  override readonly name = 'RequestSyntaxError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const MAX_HEAD = 64 * 1024;
const MAX_BODY = 16 * 1024 * 1024;
// RFC 9110 §5.6.2 token characters.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export class RequestReader {
  private buffered: Buffer = Buffer.alloc(0);

  constructor(private readonly connection = 0) {}

  /** Feeds bytes; returns the requests they completed (pipelined requests come out in order). */
  push(chunk: Buffer): ServerRequest[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const out: ServerRequest[] = [];
    for (;;) {
      // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request-line.
      let start = 0;
      while (this.buffered[start] === 0x0d && this.buffered[start + 1] === 0x0a) start += 2;
      const end = this.buffered.indexOf('\r\n\r\n', start);
      if (end === -1) {
        if (this.buffered.length - start > MAX_HEAD) {
          throw new RequestSyntaxError(431, `request head over ${MAX_HEAD} bytes`);
        }
        return out;
      }
      const head = this.buffered.subarray(start, end + 4);
      const req = parseHead(head, this.connection);
      const length = bodyLength(req);
      if (this.buffered.length < end + 4 + length) return out;
      req.body = this.buffered.subarray(end + 4, end + 4 + length);
      this.buffered = this.buffered.subarray(end + 4 + length);
      out.push(req);
    }
  }
}

function parseHead(head: Buffer, connection: number): ServerRequest {
  const text = head.toString('latin1');
  const lines = text.slice(0, -4).split('\r\n');
  // A bare LF inside the head would survive the split: RFC 9112 §2.2 lets a server accept it,
  // but our engine must never send one.
  if (lines.some((l) => l.includes('\n') || l.includes('\r'))) {
    throw new RequestSyntaxError(400, 'bare CR or LF in request head');
  }
  const match = /^([^ ]+) ([^ ]+) (HTTP\/1\.[01])$/.exec(lines[0] ?? '');
  if (match === null || !TOKEN.test(match[1] ?? '')) {
    throw new RequestSyntaxError(400, `bad request line: ${JSON.stringify(lines[0])}`);
  }
  const headers: Array<[string, string]> = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon);
    // RFC 9112 §5.1: no whitespace between name and colon; §5.2: obs-fold is obsolete.
    if (colon <= 0 || !TOKEN.test(name)) {
      throw new RequestSyntaxError(400, `bad header line: ${JSON.stringify(line)}`);
    }
    headers.push([name, line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '')]);
  }
  return {
    method: match[1] ?? '',
    target: match[2] ?? '',
    version: match[3] ?? '',
    headers,
    head,
    body: Buffer.alloc(0),
    connection,
    header(name) {
      const lower = name.toLowerCase();
      return headers.find(([n]) => n.toLowerCase() === lower)?.[1];
    },
  };
}

function bodyLength(req: ServerRequest): number {
  const lower = req.headers.map(([n, v]) => [n.toLowerCase(), v] as const);
  if (lower.some(([n]) => n === 'transfer-encoding')) {
    // Our engine sends bodies with Content-Length only; a chunked request is a bug to surface.
    throw new RequestSyntaxError(501, 'Transfer-Encoding in a request is not supported here');
  }
  const lengths = lower.filter(([n]) => n === 'content-length').map(([, v]) => v);
  if (lengths.length === 0) return 0;
  // RFC 9112 §6.3 (5): differing or invalid Content-Length values are unrecoverable.
  if (new Set(lengths).size !== 1 || !/^\d+$/.test(lengths[0] ?? '')) {
    throw new RequestSyntaxError(400, `bad Content-Length: ${lengths.join(', ')}`);
  }
  const length = Number(lengths[0]);
  if (length > MAX_BODY) throw new RequestSyntaxError(413, `request body over ${MAX_BODY} bytes`);
  return length;
}

/**
 * Reads requests off `ctx.socket`, records each on the server, and calls `handler` for them one
 * at a time: the next request waits until the handler's promise settles (a handler that never
 * settles, like `/never`, parks the connection). A malformed request gets its status and a close.
 * A handler that throws rejects the chain, so the bug shows up as an unhandled rejection.
 */
export function onRequests(ctx: ConnectionContext, handler: (req: ServerRequest) => void | Promise<void>): void {
  const reader = new RequestReader(ctx.index);
  let chain: Promise<void> = Promise.resolve();
  const onData = (chunk: Buffer): void => {
    let reqs: ServerRequest[];
    try {
      reqs = reader.push(chunk);
    } catch (err) {
      ctx.socket.off('data', onData);
      const status = err instanceof RequestSyntaxError ? err.status : 400;
      const body = err instanceof Error ? err.message : String(err);
      chain = chain.then(() => {
        send(ctx.socket, response(status, body, [['Connection', 'close']]));
        ctx.socket.end();
      });
      return;
    }
    for (const req of reqs) {
      ctx.record(req);
      chain = chain.then(() => handler(req));
    }
  };
  ctx.socket.on('data', onData);
}
