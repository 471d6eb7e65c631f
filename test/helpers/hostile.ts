/**
 * Servers that misbehave on purpose, one named function each. Each is a few lines over
 * {@link rawServer}; intervals are options so tests stay fast. Unless said otherwise a fixture
 * waits for a complete request (and counts it) before misbehaving, as a real server would.
 */
import net from 'node:net';
import { serverCerts, type TlsCertName } from './certs.js';
import { pump, rawServer, send, type ConnectionContext, type TestServer } from './raw-server.js';
import { onRequests, RequestReader } from './request-reader.js';
import { chunk, head, patternBytes, response } from './response.js';

/** Runs `misbehave` once per connection, on the first complete request; later requests are read and ignored. */
const onFirstRequest =
  (misbehave: (ctx: ConnectionContext) => void) =>
  (ctx: ConnectionContext): void => {
    let first = true;
    onRequests(ctx, () => {
      if (first) misbehave(ctx);
      first = false;
    });
  };

/** Accepts, reads and counts requests, never answers. */
export function startSilentServer(): Promise<TestServer> {
  return rawServer((ctx) => onRequests(ctx, () => {}));
}

/** Sends `HTTP/1.1 200 OK\r\n` and then nothing more: the head never ends. */
export function startStallAfterStatusServer(): Promise<TestServer> {
  return rawServer(onFirstRequest((ctx) => send(ctx.socket, 'HTTP/1.1 200 OK\r\n')));
}

export interface SlowLorisOptions {
  /** @default 10 */
  intervalMs?: number;
  /** Trickle from the first head byte (`'head'`), or send the head at once and trickle the body. @default 'head' */
  from?: 'head' | 'body';
  /** Declared body length; at 1 byte per interval it is "forever" for any test. @default 1_000_000 */
  bodyBytes?: number;
}

/** A valid Content-Length response sent one byte per interval. */
export function startSlowLorisServer(options: SlowLorisOptions = {}): Promise<TestServer> {
  const { intervalMs = 10, from = 'head', bodyBytes = 1_000_000 } = options;
  return rawServer(
    onFirstRequest((ctx) => {
      const start = head(200, [['Content-Length', String(bodyBytes)]]);
      const whole = Buffer.concat([Buffer.from(start), patternBytes(bodyBytes)]);
      let at = 0;
      if (from === 'body') {
        send(ctx.socket, start);
        at = start.length;
      }
      const stop = ctx.every(intervalMs, () => {
        send(ctx.socket, whole.subarray(at, at + 1));
        at += 1;
        if (at >= whole.length) stop();
      });
    }),
  );
}

export type CloseMidPoint = 'status-line' | 'headers' | 'body' | 'chunk';

const CUT: Readonly<Record<CloseMidPoint, string>> = {
  'status-line': 'HTTP/1.1 20',
  // Complete header lines, but the blank line that ends the head never comes.
  headers: 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n',
  // 40 of the 100 promised bytes.
  body: `HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n${'x'.repeat(40)}`,
  // One whole chunk, then a chunk cut inside its data; no last chunk.
  chunk: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\na\r\nhel',
};

/** Sends a response cut at `where`, then closes cleanly (FIN). */
export function startCloseMidServer(where: CloseMidPoint): Promise<TestServer> {
  return rawServer(onFirstRequest((ctx) => ctx.socket.end(CUT[where])));
}

/**
 * Non-HTTP bytes. `'ssh'`: an SSH banner right after accept, and `Protocol mismatch.` + close
 * at the client's first bytes, as sshd does (it reads no request, so `requests` stays 0).
 * `'binary'`: 256 fixed pseudo-random bytes as the answer to the request, connection left open.
 */
export function startGarbageServer(options: { payload?: 'ssh' | 'binary' } = {}): Promise<TestServer> {
  if (options.payload === 'binary') return rawServer(onFirstRequest((ctx) => send(ctx.socket, garbage(256))));
  return rawServer((ctx) => {
    send(ctx.socket, 'SSH-2.0-OpenSSH_9.6\r\n');
    ctx.socket.once('data', () => ctx.socket.end('Protocol mismatch.\n'));
  });
}

/** Deterministic bytes (xorshift32), so failures reproduce; includes NUL, CR, LF and high bytes. */
export function garbage(length: number): Buffer {
  const out = Buffer.alloc(length);
  let x = 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A status line, then header lines forever (as fast as the client reads them). */
export function startEndlessHeadersServer(): Promise<TestServer> {
  return rawServer(
    onFirstRequest((ctx) => {
      let i = 0;
      send(ctx.socket, 'HTTP/1.1 200 OK\r\n');
      // 32 lines per write: one syscall per line would make the flood slow to read.
      pump(ctx.socket, () => Array.from({ length: 32 }, () => `X-Endless-${i++}: ${'h'.repeat(100)}\r\n`).join(''));
    }),
  );
}

/** A chunked body that never sends its last chunk. */
export function startEndlessChunkedServer(): Promise<TestServer> {
  return rawServer(
    onFirstRequest((ctx) => {
      let offset = 0;
      send(ctx.socket, head(200, [['Transfer-Encoding', 'chunked']]));
      pump(ctx.socket, () => {
        const piece = patternBytes(16 * 1024, offset);
        offset += piece.length;
        return chunk(piece);
      });
    }),
  );
}

/** A close-delimited body (no Content-Length, no chunked; RFC 9112 §6.3 (8)) that never ends. */
export function startEndlessBodyServer(): Promise<TestServer> {
  return rawServer(
    onFirstRequest((ctx) => {
      let offset = 0;
      send(ctx.socket, head(200, [['Connection', 'close']]));
      pump(ctx.socket, () => {
        const piece = patternBytes(16 * 1024, offset);
        offset += piece.length;
        return piece;
      });
    }),
  );
}

/** Resets (RST) the connection right after accept, or once the request has arrived. */
export function startResetServer(when: 'before-request' | 'after-request'): Promise<TestServer> {
  if (when === 'before-request') return rawServer((ctx) => ctx.socket.resetAndDestroy());
  return rawServer(onFirstRequest((ctx) => ctx.socket.resetAndDestroy()));
}

/**
 * Two complete responses to one request (`first`, then `second!`), connection left open. With
 * `gapMs` the second comes that much later, on what the client thinks is an idle connection.
 */
export function startDoubleResponseServer(options: { gapMs?: number } = {}): Promise<TestServer> {
  return rawServer(
    onFirstRequest((ctx) => {
      const first = response(200, 'first');
      const second = response(200, 'second!');
      if (options.gapMs === undefined) return send(ctx.socket, Buffer.concat([first, second]));
      send(ctx.socket, first);
      ctx.later(options.gapMs, () => send(ctx.socket, second));
    }),
  );
}

/** `Content-Length: 10`, then 20 body bytes, connection left open. */
export function startOverlongBodyServer(): Promise<TestServer> {
  return rawServer(
    onFirstRequest((ctx) => send(ctx.socket, `${head(200, [['Content-Length', '10']])}${'0123456789'.repeat(2)}`)),
  );
}

export interface Endless1xxOptions {
  /** @default 100 */
  status?: 100 | 103;
  /** One interim response per interval; without it, as fast as the client reads. */
  intervalMs?: number;
}

/** Interim responses forever, never a final one (RFC 9110 §15.2 sets no limit on how many). */
export function startEndless1xxServer(options: Endless1xxOptions = {}): Promise<TestServer> {
  const { status = 100, intervalMs } = options;
  const interim = head(status, status === 103 ? [['Link', '</style.css>; rel=preload']] : []);
  return rawServer(
    onFirstRequest((ctx) => {
      if (intervalMs === undefined) pump(ctx.socket, () => interim.repeat(64));
      else ctx.every(intervalMs, () => send(ctx.socket, interim));
    }),
  );
}

/** Completes the TLS handshake, reads and counts requests, never answers. */
export function startTlsStallServer(options: { cert?: TlsCertName } = {}): Promise<TestServer> {
  return rawServer((ctx) => onRequests(ctx, () => {}), {
    tls: { ...serverCerts[options.cert ?? 'ca-signed'], ALPNProtocols: ['http/1.1'] },
  });
}

/**
 * Keep-alive that loses the idle-timeout race: each connection answers its first request
 * (200 `ok`), then closes (FIN) the moment the next request's first bytes arrive, without
 * answering. Every fresh connection answers again, so a retry on a new connection succeeds
 * and `connections` shows it. With `partial`, it first sends half a status line — the client
 * has then seen response bytes and must NOT retry (RFC 9112 §9.3.1).
 */
export function startKeepAliveRaceServer(options: { partial?: boolean } = {}): Promise<TestServer> {
  return rawServer((ctx) => {
    const reader = new RequestReader(ctx.index);
    let answered = false;
    let closing = false;
    ctx.socket.on('data', (data: Buffer) => {
      if (closing) return;
      if (answered) {
        closing = true;
        if (options.partial) ctx.socket.end('HTTP/1.1 2');
        else ctx.socket.end();
        return;
      }
      const [req] = reader.push(data);
      if (req === undefined) return;
      ctx.record(req);
      answered = true;
      send(ctx.socket, response(200, 'ok'));
    });
  });
}

/**
 * A response whose head (status line through the blank line) is exactly `bytes` bytes, padded
 * with `X-Pad-NNNNNN` fields of up to 1000 bytes each, then the body `ok`. Throws below the
 * smallest size it can build (55 bytes).
 */
export function startOversizeHeadersServer(bytes: number): Promise<TestServer> {
  const bytesOfHead = oversizeHead(bytes);
  return rawServer(onFirstRequest((ctx) => send(ctx.socket, Buffer.concat([bytesOfHead, Buffer.from('ok')]))));
}

function oversizeHead(bytes: number): Buffer {
  const prefix = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n';
  const line = (i: number, size: number): string => {
    const name = `X-Pad-${String(i).padStart(6, '0')}: `;
    return `${name}${'p'.repeat(size - name.length - 2)}\r\n`;
  };
  const minLine = 'X-Pad-000000: p\r\n'.length;
  let remaining = bytes - prefix.length - 2;
  if (remaining < minLine) throw new RangeError(`oversize head must be at least ${prefix.length + 2 + minLine} bytes`);
  const lines: string[] = [];
  while (remaining > 0) {
    // Keep what is left after this line either 0 or big enough for one more line.
    let size = Math.min(remaining, 1000);
    if (remaining - size > 0 && remaining - size < minLine) size = remaining - minLine;
    lines.push(line(lines.length, size));
    remaining -= size;
  }
  return Buffer.from(`${prefix}${lines.join('')}\r\n`);
}

/** A port on 127.0.0.1 with nothing listening: bound on port 0, noted, closed. */
export function startRefusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
