/**
 * A plain `net`/`tls` client for proving what the fixtures send, byte for byte, without the
 * engine under test. Also a minimal response reader (Content-Length or chunked) so tests parse
 * responses back instead of string-matching them.
 */
import net from 'node:net';
import tls from 'node:tls';

export type Ending = 'fin' | 'reset' | 'error';

export class RawClient {
  /** Every data event, in order (their boundaries show how the server paced its writes). */
  readonly chunks: Buffer[] = [];
  /**
   * Settles when the connection ends: `fin` (peer closed cleanly, or we destroyed it), `reset`
   * (ECONNRESET), or `error` (any other error, e.g. a TLS alert).
   */
  readonly ended: Promise<Ending>;
  /** The error behind `reset`/`error`. */
  error: NodeJS.ErrnoException | undefined;
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: net.Socket) {
    this.ended = new Promise((resolve) => {
      socket.on('data', (d: Buffer) => {
        this.chunks.push(d);
        this.wake();
      });
      socket.on('end', () => {
        resolve('fin');
        this.wake();
      });
      socket.on('error', (err: NodeJS.ErrnoException) => {
        this.error = err;
        resolve(err.code === 'ECONNRESET' ? 'reset' : 'error');
        this.wake();
      });
      socket.on('close', () => {
        resolve('fin');
        this.wake();
      });
    });
  }

  /** Connects to 127.0.0.1:`port`; with `tlsOptions`, over TLS (resolves after the handshake). */
  static connect(port: number, tlsOptions?: tls.ConnectionOptions): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket =
        tlsOptions === undefined
          ? net.connect(port, '127.0.0.1')
          : tls.connect({ ...tlsOptions, port, host: '127.0.0.1' });
      const ready = tlsOptions === undefined ? 'connect' : 'secureConnect';
      socket.once('error', reject);
      socket.once(ready, () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
    });
  }

  /** All bytes received so far. */
  get data(): Buffer {
    return Buffer.concat(this.chunks);
  }

  write(data: Buffer | string): void {
    this.socket.write(data);
  }

  /** Resolves with all bytes so far once `done(bytes)` holds, or once the connection closed. */
  async waitFor(done: (data: Buffer) => boolean): Promise<Buffer> {
    for (;;) {
      const data = this.data;
      if (done(data) || this.socket.destroyed || this.socket.readableEnded) return data;
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
  }

  /** Resolves with the bytes once at least `n` arrived (or the connection closed). */
  waitForBytes(n: number): Promise<Buffer> {
    return this.waitFor((d) => d.length >= n);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** A minimal GET (or other) request with Host, as the engine would send it. */
export function request(path: string, method = 'GET', extra = ''): string {
  return `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}\r\n`;
}

export interface ParsedResponse {
  status: number;
  /** Lower-cased names. */
  headers: Array<[string, string]>;
  body: Buffer;
  /** Length of the whole response in the buffer (head + framed body). */
  length: number;
}

export function header(res: ParsedResponse, name: string): string | undefined {
  return res.headers.find(([n]) => n === name.toLowerCase())?.[1];
}

/**
 * Reads one response at the start of `data`. Returns null while incomplete. Interim (1xx)
 * responses are returned like any other; `noBody` is for HEAD/204/304.
 */
export function parseResponse(data: Buffer, noBody = false): ParsedResponse | null {
  const end = data.indexOf('\r\n\r\n');
  if (end === -1) return null;
  const [statusLine = '', ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.1 (\d{3}) /.exec(statusLine);
  if (m === null) throw new Error(`bad status line ${JSON.stringify(statusLine)}`);
  const status = Number(m[1]);
  const headers = lines.map((l): [string, string] => {
    const colon = l.indexOf(':');
    return [l.slice(0, colon).toLowerCase(), l.slice(colon + 1).trim()];
  });
  const res: ParsedResponse = { status, headers, body: Buffer.alloc(0), length: end + 4 };
  if (noBody || status < 200 || status === 204 || status === 304) return res;
  if (header(res, 'transfer-encoding') === 'chunked') return readChunked(data, res);
  const cl = header(res, 'content-length');
  if (cl === undefined) throw new Error('close-delimited body: read it with waitFor');
  if (data.length < res.length + Number(cl)) return null;
  res.body = data.subarray(res.length, res.length + Number(cl));
  res.length += Number(cl);
  return res;
}

function readChunked(data: Buffer, res: ParsedResponse): ParsedResponse | null {
  const parts: Buffer[] = [];
  let at = res.length;
  for (;;) {
    const eol = data.indexOf('\r\n', at);
    if (eol === -1) return null;
    const size = parseInt(data.subarray(at, eol).toString('latin1'), 16);
    if (Number.isNaN(size)) throw new Error('bad chunk size');
    if (size === 0) {
      // Empty trailer section only.
      if (data.length < eol + 4) return null;
      res.body = Buffer.concat(parts);
      res.length = eol + 4;
      return res;
    }
    if (data.length < eol + 2 + size + 2) return null;
    parts.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/** Reads every complete chunk in a chunked body that never ends; returns their data and sizes. */
export function completeChunks(body: Buffer): { data: Buffer; sizes: number[] } {
  const parts: Buffer[] = [];
  const sizes: number[] = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    if (eol === -1) break;
    const size = parseInt(body.subarray(at, eol).toString('latin1'), 16);
    if (Number.isNaN(size)) throw new Error(`bad chunk size at ${at}`);
    if (body.length < eol + 2 + size + 2) break;
    if (body.subarray(eol + 2 + size, eol + 4 + size).toString('latin1') !== '\r\n') {
      throw new Error(`chunk at ${at} not followed by CRLF`);
    }
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    sizes.push(size);
    at = eol + 4 + size;
  }
  return { data: Buffer.concat(parts), sizes };
}

/**
 * Waits until `cond()` holds, polling every 5 ms; throws after `limitMs` so a broken fixture
 * fails the test instead of hanging it. Not a timing assertion: only the outcome is checked.
 */
export async function eventually(cond: () => boolean, what: string, limitMs = 5000): Promise<void> {
  for (let waited = 0; !cond(); waited += 5) {
    if (waited >= limitMs) throw new Error(`still not true after ${limitMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
