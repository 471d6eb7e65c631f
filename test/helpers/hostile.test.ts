/**
 * Proves each hostile fixture misbehaves exactly as named, using a plain net/tls client.
 * Intervals are a few ms so every test finishes quickly; no assertion depends on timing.
 */
import net from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { caCert } from './certs.js';
import {
  garbage,
  patternBytes,
  startCloseMidServer,
  startDoubleResponseServer,
  startEndless1xxServer,
  startEndlessBodyServer,
  startEndlessChunkedServer,
  startEndlessHeadersServer,
  startGarbageServer,
  startKeepAliveRaceServer,
  startOverlongBodyServer,
  startOversizeHeadersServer,
  startRefusedPort,
  startResetServer,
  startSilentServer,
  startSlowLorisServer,
  startStallAfterStatusServer,
  startTlsStallServer,
  type TestServer,
} from './servers.js';
import { completeChunks, eventually, header, parseResponse, RawClient, request } from './raw-client.js';

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});
async function start(p: Promise<TestServer>): Promise<TestServer> {
  const s = await p;
  open.push(s);
  return s;
}
/** Connects to `server` and sends one GET (unless `req` is null). */
async function client(server: TestServer, req: string | null = request('/'), tls = false): Promise<RawClient> {
  const c = await RawClient.connect(server.port, tls ? { ca: caCert } : undefined);
  open.push({ close: () => c.destroy() });
  if (req !== null) c.write(req);
  return c;
}
const headEnd = (d: Buffer): number => d.indexOf('\r\n\r\n');

describe('silent and stalling servers', () => {
  it('startSilentServer reads and counts the request, never answers', async () => {
    const server = await start(startSilentServer());
    const c = await client(server);
    c.write(request('/again'));
    await eventually(() => server.requests === 2, 'requests read');
    expect(c.data.length).toBe(0);
    expect(server.received.map((r) => r.target)).toEqual(['/', '/again']);
  });

  it('startStallAfterStatusServer sends only the status line', async () => {
    const server = await start(startStallAfterStatusServer());
    const c = await client(server);
    const data = await c.waitFor((d) => d.includes('\r\n'));
    expect(data.toString('latin1')).toBe('HTTP/1.1 200 OK\r\n');
    expect(c.socket.readableEnded).toBe(false);
  });

  it('startTlsStallServer completes the handshake, reads the request, never answers', async () => {
    const server = await start(startTlsStallServer());
    const c = await client(server, request('/'), true);
    expect((c.socket as TLSSocket).authorized).toBe(true);
    await eventually(() => server.requests === 1, 'request read over TLS');
    expect(c.data.length).toBe(0);
  });
});

describe('startSlowLorisServer', () => {
  it("trickles a valid response one byte per write from the head's first byte", async () => {
    const server = await start(startSlowLorisServer({ intervalMs: 2, bodyBytes: 10 }));
    const c = await client(server);
    const data = await c.waitFor((d) => parseResponse(d) !== null);
    const res = parseResponse(data);
    expect(res?.status).toBe(200);
    expect(res?.body.equals(patternBytes(10))).toBe(true);
    // One byte per interval: the ~48 bytes cannot all have come in a handful of reads.
    expect(c.chunks.length).toBeGreaterThan(data.length / 4);
  });

  it("from: 'body' sends the head at once and trickles the body", async () => {
    const server = await start(startSlowLorisServer({ intervalMs: 2, from: 'body' }));
    const c = await client(server);
    const data = await c.waitFor((d) => headEnd(d) !== -1 && d.length >= headEnd(d) + 4 + 12);
    const head = 'HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n';
    expect(data.subarray(0, head.length).toString('latin1')).toBe(head);
    expect(c.chunks[0]?.length).toBeGreaterThanOrEqual(head.length); // the head came in one piece
    expect(data.subarray(headEnd(data) + 4).equals(patternBytes(data.length - headEnd(data) - 4))).toBe(true);
    expect(c.chunks.length).toBeGreaterThan(4);
  });
});

describe('startCloseMidServer', () => {
  const cases = [
    ['status-line', (d: Buffer) => expect(d.toString('latin1')).toBe('HTTP/1.1 20')],
    [
      'headers',
      (d: Buffer) => {
        expect(headEnd(d)).toBe(-1);
        expect(d.toString('latin1').startsWith('HTTP/1.1 200 OK\r\n')).toBe(true);
      },
    ],
    [
      'body',
      (d: Buffer) => {
        expect(parseResponse(d)).toBeNull(); // incomplete
        expect(d.toString('latin1')).toContain('Content-Length: 100\r\n');
        expect(d.length - headEnd(d) - 4).toBe(40);
      },
    ],
    [
      'chunk',
      (d: Buffer) => {
        expect(parseResponse(d)).toBeNull(); // no last chunk
        expect(completeChunks(d.subarray(headEnd(d) + 4)).data.toString()).toBe('hello');
        expect(d.toString('latin1').endsWith('a\r\nhel')).toBe(true);
      },
    ],
  ] as const;
  it.each(cases)('cuts at %s, then closes with FIN', async (where, check) => {
    const server = await start(startCloseMidServer(where));
    const c = await client(server);
    expect(await c.ended).toBe('fin');
    check(c.data);
  });
});

describe('startGarbageServer', () => {
  it("'ssh' greets with an SSH banner and hangs up on an HTTP request", async () => {
    const server = await start(startGarbageServer());
    const c = await client(server, null);
    const banner = await c.waitFor((d) => d.includes('\r\n'));
    expect(banner.toString('latin1')).toMatch(/^SSH-2\.0-\S+\r\n$/);
    c.write(request('/'));
    expect(await c.ended).toBe('fin');
    expect(c.data.toString('latin1')).toMatch(/\r\nProtocol mismatch\.\n$/);
  });

  it("'binary' answers the request with fixed non-HTTP bytes", async () => {
    const server = await start(startGarbageServer({ payload: 'binary' }));
    const c = await client(server);
    const data = await c.waitForBytes(256);
    expect(data.equals(garbage(256))).toBe(true);
    expect(data.subarray(0, 5).toString('latin1')).not.toBe('HTTP/');
    expect(data.includes(0)).toBe(true);
  });
});

describe('endless servers', () => {
  it('startEndlessHeadersServer sends header lines without end', async () => {
    const server = await start(startEndlessHeadersServer());
    const c = await client(server);
    const data = await c.waitForBytes(256 * 1024);
    expect(headEnd(data)).toBe(-1);
    const lines = data.toString('latin1').split('\r\n').slice(0, -1);
    expect(lines[0]).toBe('HTTP/1.1 200 OK');
    for (const line of lines.slice(1)) expect(line).toMatch(/^X-Endless-\d+: h+$/);
    c.destroy();
    await eventually(() => server.openConnections === 0, 'server noticed the client left');
  });

  it('startEndlessChunkedServer sends well-formed chunks and never the last one', async () => {
    const server = await start(startEndlessChunkedServer());
    const c = await client(server);
    const data = await c.waitForBytes(512 * 1024);
    expect(data.subarray(0, headEnd(data)).toString('latin1')).toMatch(/\r\nTransfer-Encoding: chunked$/);
    const { data: body, sizes } = completeChunks(data.subarray(headEnd(data) + 4));
    expect(sizes.length).toBeGreaterThan(10);
    expect(sizes.every((s) => s === 16 * 1024)).toBe(true); // in particular, no 0-size last chunk
    expect(body.equals(patternBytes(body.length))).toBe(true);
  });

  it('startEndlessBodyServer sends a close-delimited body, respecting backpressure', async () => {
    const server = await start(startEndlessBodyServer());
    const c = await client(server);
    const first = await c.waitFor((d) => headEnd(d) !== -1);
    const head = first.subarray(0, headEnd(first)).toString('latin1');
    expect(head).not.toMatch(/content-length|transfer-encoding/i);
    expect(head).toMatch(/\r\nConnection: close$/);

    // Stop reading: a fixture ignoring write() === false would queue its whole 256 MiB cap at once.
    c.socket.pause();
    await new Promise((r) => setTimeout(r, 100));
    expect(server.bytesWritten).toBeLessThan(32 * 1024 * 1024);
    c.socket.resume();

    const data = await c.waitForBytes(1024 * 1024);
    const body = data.subarray(headEnd(data) + 4);
    expect(body.equals(patternBytes(body.length))).toBe(true);
    c.destroy();
    await eventually(() => server.openConnections === 0, 'server noticed the client left');
  });

  it('startEndless1xxServer floods 100 Continue and never a final response', async () => {
    const server = await start(startEndless1xxServer());
    const c = await client(server);
    const data = await c.waitForBytes(64 * 1024);
    let at = 0;
    let count = 0;
    for (let res = parseResponse(data); res !== null; res = parseResponse(data.subarray(at))) {
      expect(res.status).toBe(100);
      at += res.length;
      count += 1;
    }
    expect(count).toBeGreaterThan(1000);
  });

  it('startEndless1xxServer with 103 sends Early Hints with a Link header, per interval', async () => {
    const server = await start(startEndless1xxServer({ status: 103, intervalMs: 2 }));
    const c = await client(server);
    const data = await c.waitFor((d) => d.toString('latin1').split('\r\n\r\n').length > 3);
    const first = parseResponse(data);
    expect(first?.status).toBe(103);
    expect(header(first!, 'link')).toBe('</style.css>; rel=preload');
    expect(parseResponse(data.subarray(first!.length))?.status).toBe(103);
  });
});

describe('resets and refusals', () => {
  it("startResetServer('before-request') resets right after accept", async () => {
    const server = await start(startResetServer('before-request'));
    // The RST can beat the client's 'connect' event, so it may surface as a connect error.
    const outcome = await RawClient.connect(server.port).then(
      (c) => {
        open.push({ close: () => c.destroy() });
        return c.ended;
      },
      (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? 'reset' : e.code),
    );
    expect(outcome).toBe('reset');
    expect(server.requests).toBe(0);
  });

  it("startResetServer('after-request') reads the request, then resets", async () => {
    const server = await start(startResetServer('after-request'));
    const c = await client(server);
    expect(await c.ended).toBe('reset');
    expect(c.data.length).toBe(0);
    expect(server.requests).toBe(1);
  });

  it('startRefusedPort gives a port where connecting is refused', async () => {
    const port = await startRefusedPort();
    const code = await new Promise<string | undefined>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.on('connect', () => {
        s.destroy();
        resolve('connected');
      });
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code));
    });
    expect(code).toBe('ECONNREFUSED');
  });
});

describe('framing violations', () => {
  it('startDoubleResponseServer sends two complete responses to one request', async () => {
    const server = await start(startDoubleResponseServer());
    const c = await client(server);
    const data = await c.waitFor((d) => {
      const first = parseResponse(d);
      return first !== null && parseResponse(d.subarray(first.length)) !== null;
    });
    const first = parseResponse(data)!;
    expect(first.body.toString()).toBe('first');
    expect(parseResponse(data.subarray(first.length))?.body.toString()).toBe('second!');
    expect(server.requests).toBe(1);
  });

  it('startDoubleResponseServer with gapMs sends the second one later', async () => {
    const server = await start(startDoubleResponseServer({ gapMs: 50 }));
    const c = await client(server);
    await c.waitFor((d) => parseResponse(d) !== null);
    const first = parseResponse(c.data)!;
    expect(c.chunks[0]?.length).toBe(first.length); // the first response came alone
    const data = await c.waitFor((d) => parseResponse(d.subarray(first.length)) !== null);
    expect(parseResponse(data.subarray(first.length))?.body.toString()).toBe('second!');
  });

  it('startOverlongBodyServer declares 10 bytes, sends 20 and keeps the connection open', async () => {
    const server = await start(startOverlongBodyServer());
    const c = await client(server);
    const data = await c.waitFor((d) => headEnd(d) !== -1 && d.length >= headEnd(d) + 4 + 20);
    const res = parseResponse(data)!;
    expect(header(res, 'content-length')).toBe('10');
    expect(data.length - res.length).toBe(10);
    expect(c.socket.readableEnded).toBe(false);
  });

  it.each([55, 1000, 1016, 65536, 65537, 200_000])(
    'startOversizeHeadersServer(%i) sends a head of exactly that many bytes, then a body',
    async (bytes) => {
      const server = await start(startOversizeHeadersServer(bytes));
      const c = await client(server);
      const data = await c.waitFor((d) => parseResponse(d) !== null);
      const res = parseResponse(data)!;
      expect(res.length - 2).toBe(bytes);
      expect(res.body.toString()).toBe('ok');
      expect(res.headers.filter(([n]) => n.startsWith('x-pad-')).length).toBeGreaterThanOrEqual(
        Math.floor(bytes / 1000),
      );
    },
  );

  it('startOversizeHeadersServer refuses a size it cannot build', () => {
    expect(() => startOversizeHeadersServer(54)).toThrow(RangeError);
  });
});

describe('startKeepAliveRaceServer', () => {
  it('closes on the second request without answering; a fresh connection is answered', async () => {
    const server = await start(startKeepAliveRaceServer());
    const c = await client(server);
    const first = parseResponse(await c.waitFor((d) => parseResponse(d) !== null))!;
    expect(first.status).toBe(200);
    c.write(request('/second'));
    expect(await c.ended).toBe('fin');
    expect(c.data.length).toBe(first.length);

    const retry = await client(server);
    expect(parseResponse(await retry.waitFor((d) => parseResponse(d) !== null))?.status).toBe(200);
    expect(server.connections).toBe(2);
    expect(server.received.map((r) => r.connection)).toEqual([0, 1]);
  });

  it('partial: sends half a status line before closing', async () => {
    const server = await start(startKeepAliveRaceServer({ partial: true }));
    const c = await client(server);
    const first = parseResponse(await c.waitFor((d) => parseResponse(d) !== null))!;
    c.write(request('/second'));
    expect(await c.ended).toBe('fin');
    expect(c.data.subarray(first.length).toString('latin1')).toBe('HTTP/1.1 2');
  });
});

describe('close() with clients connected', () => {
  const fixtures: Array<[string, () => Promise<TestServer>]> = [
    ['silent', startSilentServer],
    ['stall-after-status', startStallAfterStatusServer],
    ['slow-loris', () => startSlowLorisServer({ intervalMs: 1 })],
    ['garbage', () => startGarbageServer({ payload: 'binary' })],
    ['endless-headers', startEndlessHeadersServer],
    ['endless-chunked', startEndlessChunkedServer],
    ['endless-body', startEndlessBodyServer],
    ['endless-1xx', () => startEndless1xxServer()],
    ['double-response', () => startDoubleResponseServer({ gapMs: 60_000 })],
    ['overlong-body', startOverlongBodyServer],
    ['keep-alive-race', () => startKeepAliveRaceServer()],
    ['oversize-headers', () => startOversizeHeadersServer(100_000)],
  ];
  it.each(fixtures)('%s: close() resolves and ends the connection', async (_name, factory) => {
    const server = await factory();
    const c = await RawClient.connect(server.port);
    c.write(request('/'));
    await eventually(() => server.requests === 1, 'request read');
    c.socket.pause(); // leave the endless ones blocked on backpressure
    await server.close();
    c.socket.resume();
    expect(['fin', 'reset']).toContain(await c.ended);
    expect(server.openConnections).toBe(0);
  });

  it('tls-stall: close() resolves and ends the connection', async () => {
    const server = await startTlsStallServer();
    const c = await RawClient.connect(server.port, { ca: caCert });
    c.write(request('/'));
    await eventually(() => server.requests === 1, 'request read');
    await server.close();
    expect(['fin', 'reset', 'error']).toContain(await c.ended);
    expect(server.openConnections).toBe(0);
  });
});
