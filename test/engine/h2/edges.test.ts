/**
 * Hostile-server edge cases the HTTP/2 fuzz (fuzz.test.ts) made us think of, each pinned down
 * with exact frames: floods of frames that demand an answer from a server that never reads the
 * answers, stream-id and state violations, settings changed under open streams, malformed heads.
 */
import type { Socket } from 'node:net';
import { brotliCompressSync } from 'node:zlib';
import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Exchange } from '../../../src/engine/exchange.js';
import {
  CONTINUATION,
  FLAG_END_HEADERS,
  frame,
  goawayFrame,
  PING,
  PROTOCOL_ERROR,
  SETTINGS_ACK,
  SETTINGS_INITIAL_WINDOW_SIZE,
  SETTINGS_MAX_CONCURRENT_STREAMS,
  settingsFrame,
  windowUpdateFrame,
} from '../../../src/engine/h2/frames.js';
import { H2Session } from '../../../src/engine/h2/session.js';
import { Transport } from '../../../src/engine/net/transport.js';
import type { Result, Target } from '../../../src/types.js';
import { block, data, headers } from '../../helpers/h2-raw-server.js';
import { byIndex, indexesOnce, prepare, run } from '../harness.js';
import { expectation, logged, rawServerFixture, recordingOwner, until, urls } from './raw-harness.js';

const raw = rawServerFixture();

// perHost given: these servers hold the streams until all of a test's requests are open, and
// without one an origin that has not answered yet may hold only half of `concurrency`.
const h2c = { http2PriorKnowledge: true, timeout: 3000, perHost: 100 };
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A socket whose writes are never taken (a server that never reads): everything written stays queued. */
function stuckSocket(): Socket {
  const socket = new Duplex({
    read() {},
    write(_chunk, _encoding, _callback) {
      // never calls back: the write stays pending, like a full kernel buffer
    },
    highWaterMark: 16 * 1024,
  });
  return socket as unknown as Socket;
}

function stuckSession(): { session: H2Session; socket: Socket; owner: ReturnType<typeof recordingOwner> } {
  const socket = stuckSocket();
  const owner = recordingOwner();
  const session = new H2Session(
    owner,
    '127.0.0.1:1',
    { socket, sockets: [socket], protocol: 'h2', tlsInfo: null, remoteAddress: '127.0.0.1', relay: null, proxy: null },
    { transport: new Transport({}, 'test'), maxHeaderBytes: 65536, maxBytes: undefined, pipeline: 1 },
  );
  session.send(new Exchange((prepare(['http://127.0.0.1:1/x']) as Target[])[0]!, expectation));
  socket.emit('data', settingsFrame([SETTINGS_MAX_CONCURRENT_STREAMS, 10]));
  return { session, socket, owner };
}

/** Lets the session's end-of-turn writes happen. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('frames that demand an answer, from a server that never reads the answers', () => {
  it('1 MiB of PINGs: the session ends with ENHANCE_YOUR_CALM instead of queueing every PING ACK', async () => {
    const { session, socket, owner } = stuckSession();
    const burst = Buffer.concat(Array.from({ length: 1000 }, () => frame(PING, 0, 0, Buffer.alloc(8, 1))));
    for (let sent = 0; sent < 1 << 20 && session.state !== 'closed'; sent += burst.length) {
      socket.emit('data', burst);
      await turn();
    }
    expect(session.state).toBe('closed');
    // What waits to be written stays far below the 1 MiB of ACKs the PINGs asked for.
    expect(socket.writableLength).toBeLessThan(64 * 1024);
    expect(owner.results).toHaveLength(1);
    expect(owner.results[0]?.error?.code).toBe('protocol');
    expect(owner.results[0]?.error?.message).toContain('ENHANCE_YOUR_CALM');
  });

  it('a SETTINGS flood: the same bound holds for SETTINGS ACKs', async () => {
    const { session, socket, owner } = stuckSession();
    const burst = Buffer.concat(Array.from({ length: 1000 }, () => settingsFrame([])));
    for (let sent = 0; sent < 1 << 20 && session.state !== 'closed'; sent += burst.length) {
      socket.emit('data', burst);
      await turn();
    }
    expect(session.state).toBe('closed');
    expect(socket.writableLength).toBeLessThan(64 * 1024);
    expect(owner.results[0]?.error?.message).toContain('ENHANCE_YOUR_CALM');
  });

  it('a server that reads its ACKs may PING as often as it likes', async () => {
    let pings = 0;
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10],
      onRequest: (conn, req) => {
        // 20 rounds of 200 PINGs, each round after the ACKs of the last one came back.
        const round = (): void => {
          if (pings >= 4000) {
            conn.respond(req.id, 200, [], 'pinged');
            return;
          }
          pings += 200;
          conn.write(...Array.from({ length: 200 }, () => frame(PING, 0, 0, Buffer.alloc(8))));
          const wait = (): void => {
            if (conn.socket.destroyed) return;
            if (conn.log.filter((l) => l === 'PING-ACK').length >= pings) round();
            else setTimeout(wait, 2);
          };
          wait();
        };
        round();
      },
    });
    const results = await run(urls(server, 1), h2c);
    expect(results[0]).toMatchObject({ ok: true, status: 200, bytes: 6 });
  });
});

describe('a server that never reads our writes', () => {
  it('uploads: request bodies are queued only up to a bound, not for every answered request', async () => {
    const socket = stuckSocket();
    const owner = recordingOwner();
    const session = new H2Session(
      owner,
      '127.0.0.1:1',
      {
        socket,
        sockets: [socket],
        protocol: 'h2',
        tlsInfo: null,
        remoteAddress: '127.0.0.1',
        relay: null,
        proxy: null,
      },
      { transport: new Transport({}, 'test'), maxHeaderBytes: 65536, maxBytes: undefined, pipeline: 1 },
    );
    // Windows as large as they go: flow control bounds nothing here, only the socket can.
    socket.emit(
      'data',
      Buffer.concat([
        settingsFrame([SETTINGS_MAX_CONCURRENT_STREAMS, 100, SETTINGS_INITIAL_WINDOW_SIZE, 0x7fff_ffff]),
        windowUpdateFrame(0, 0x7fff_ffff - 65_535),
      ]),
    );
    const body = 'b'.repeat(1 << 20);
    const [target] = prepare([{ url: 'http://127.0.0.1:1/up', method: 'POST', body }]) as Target[];
    // Eight uploads of 1 MiB, each answered at once without the server reading a byte of it.
    for (let i = 0, id = 1; i < 8; i++, id += 2) {
      session.send(new Exchange(target!, expectation));
      socket.emit('data', headers(id, [[':status', '200']], true));
      await turn();
    }
    expect(owner.results).toHaveLength(8);
    for (const r of owner.results) expect(r).toMatchObject({ ok: true, status: 200 });
    expect(socket.writableLength).toBeLessThan(3 << 20);
    session.destroy();
  });
  it('a large upload past that bound still goes out whole, resumed as the socket drains', async () => {
    const body = 'L'.repeat(5 << 20);
    let received = 0;
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10, SETTINGS_INITIAL_WINDOW_SIZE, 0x7fff_ffff],
      onRequest: (conn) => conn.write(windowUpdateFrame(0, 0x7fff_ffff - 65_535)),
      onData: (conn, id, bytes, end) => {
        received += bytes;
        if (end) conn.respond(id, 200, [], String(received));
      },
    });
    const results = await run([{ url: `${server.url}/big`, method: 'POST', body }], h2c);
    expect(results[0]).toMatchObject({ ok: true, status: 200 });
    expect(received).toBe(body.length);
  });
});

describe('stream ids and states', () => {
  it('HEADERS on an idle stream id (one we never opened): connection PROTOCOL_ERROR, one result per target', async () => {
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10],
      onRequest: (conn, req) => conn.write(headers(req.id + 2, [[':status', '200']], true)),
    });
    const results = await run(urls(server, 1), h2c);
    expect(results[0]?.error?.code).toBe('protocol');
    expect(results[0]?.error?.message).toContain('PROTOCOL_ERROR');
  });

  it('DATA after END_STREAM on a finished stream is dropped; the response stands and the connection goes on', async () => {
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10],
      onRequest: (conn, req) => {
        conn.respond(req.id, 200, [], 'done');
        conn.write(data(req.id, 'late', true));
      },
    });
    const results = await run(urls(server, 3), { ...h2c, concurrency: 1 });
    for (const r of results) expect(r).toMatchObject({ ok: true, bytes: 4 });
    expect(server.connections).toHaveLength(1);
  });

  it('CONTINUATION for another stream: connection PROTOCOL_ERROR', async () => {
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10],
      onRequest: (conn, req) => {
        const blk = block([[':status', '200']]);
        conn.write(
          frame(0x1, 0, req.id, blk.subarray(0, 1)),
          frame(CONTINUATION, FLAG_END_HEADERS, req.id + 2, blk.subarray(1)),
        );
      },
    });
    const results = await run(urls(server, 1), h2c);
    expect(results[0]?.error?.code).toBe('protocol');
    expect(await logged(server, `GOAWAY 0 ${PROTOCOL_ERROR}`)).toContain(`GOAWAY 0 ${PROTOCOL_ERROR}`);
  });

  it('a SETTINGS ACK we never asked for is ignored', async () => {
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10],
      onRequest: (conn, req) => {
        conn.write(SETTINGS_ACK, SETTINGS_ACK);
        conn.respond(req.id, 200, [], 'fine');
      },
    });
    const results = await run(urls(server, 2), { ...h2c, concurrency: 1 });
    for (const r of results) expect(r).toMatchObject({ ok: true, bytes: 4 });
  });
});

describe('settings changed under open streams', () => {
  it('MAX_CONCURRENT_STREAMS 0, raised later: every target completes', async () => {
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 0],
      onRequest: (conn, req) => {
        conn.respond(req.id, 200, [], req.path);
        if (conn.requests.length === 1)
          setTimeout(() => conn.write(settingsFrame([SETTINGS_MAX_CONCURRENT_STREAMS, 5])), 20);
      },
    });
    const results = await run(urls(server, 6), { ...h2c, concurrency: 6 });
    expect(indexesOnce(results, 6)).toBe(true);
    for (const r of results) expect(r).toMatchObject({ ok: true, status: 200 });
  });

  it('MAX_CONCURRENT_STREAMS 0, never raised: every target still gets one result', async () => {
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 0],
      onRequest: (conn, req) => conn.respond(req.id, 200, [], req.path),
    });
    const results = await run(urls(server, 4), { ...h2c, concurrency: 4 });
    expect(indexesOnce(results, 4)).toBe(true);
    for (const r of results) expect(r).toMatchObject({ ok: true, status: 200 });
  });

  it('INITIAL_WINDOW_SIZE lowered below what an upload already sent: the window goes negative, the upload resumes on credit', async () => {
    const body = 'u'.repeat(50_000);
    let received = 0;
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10],
      onRequest: (conn) => {
        // 50,000 bytes fit the default 65,535 window; lowering it to 1,000 leaves the stream at -49,000.
        conn.write(settingsFrame([SETTINGS_INITIAL_WINDOW_SIZE, 1000]));
      },
      onData: (conn, id, bytes, end) => {
        received += bytes;
        if (end) conn.respond(id, 200, [], String(received));
      },
    });
    const results = await run([{ url: `${server.url}/up`, method: 'POST', body }], h2c);
    expect(results[0]).toMatchObject({ ok: true, status: 200 });
    expect(received).toBe(body.length);
  });

  it('INITIAL_WINDOW_SIZE lowered before an upload went out: it waits for credit, then completes', async () => {
    const body = 'v'.repeat(30_000);
    let received = 0;
    const server = await raw({
      // The window is 0 from the start: nothing of the body may go out until WINDOW_UPDATE.
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10, SETTINGS_INITIAL_WINDOW_SIZE, 0],
      onRequest: (conn, req) => {
        setTimeout(() => conn.write(windowUpdateFrame(req.id, 10_000)), 10);
        setTimeout(() => conn.write(windowUpdateFrame(req.id, 20_000)), 30);
      },
      onData: (conn, id, bytes, end) => {
        received += bytes;
        if (end) conn.respond(id, 200, [], String(received));
      },
    });
    const results = await run([{ url: `${server.url}/up`, method: 'POST', body }], h2c);
    expect(results[0]).toMatchObject({ ok: true, status: 200 });
    expect(received).toBe(body.length);
  });
});

describe('GOAWAY', () => {
  it('GOAWAY NO_ERROR naming every stream, then the socket stays open: the streams finish, then we close', async () => {
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10],
      onRequest: (conn, req) => {
        if (conn.requests.length < 3) return;
        conn.write(goawayFrame(0x7fff_ffff, 0));
        for (const r of conn.requests) conn.respond(r.id, 200, [], 'bye');
        void req;
      },
    });
    const results = await run(urls(server, 3), { ...h2c, concurrency: 3 });
    for (const r of results) expect(r).toMatchObject({ ok: true, bytes: 3 });
    await until(() => server.connections[0]?.socket.destroyed === true);
    expect(server.connections[0]?.socket.destroyed).toBe(true);
  });

  it('GOAWAY then silence with the socket open: each unanswered target ends at its deadline, once', async () => {
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10],
      onRequest: (conn) => {
        if (conn.requests.length === 2) conn.write(goawayFrame(0x7fff_ffff, 0));
      },
    });
    const results = await run(urls(server, 2), { ...h2c, timeout: 200, concurrency: 2 });
    expect(indexesOnce(results, 2)).toBe(true);
    for (const r of results) expect(r.error?.code).toBe('timeout');
  });

  it('a second GOAWAY with a higher last id than the first: streams already given up stay given up, one result each', async () => {
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10],
      onRequest: (conn, req) => {
        if (conn.index > 0) {
          conn.respond(req.id, 200, [], 'again');
          return;
        }
        if (conn.requests.length < 3) return;
        conn.write(goawayFrame(1, 0), goawayFrame(5, 0));
        for (const r of conn.requests) conn.respond(r.id, 200, [], 'first');
      },
    });
    const results = byIndex(await run(urls(server, 3), { ...h2c, concurrency: 3 }));
    expect(indexesOnce(results, 3)).toBe(true);
    for (const r of results) expect(r).toMatchObject({ ok: true, status: 200 });
  });
});

describe('GOAWAY below a stream that already has its response', () => {
  it('a stream with its head (and part of its body) is not run again: the body is not mixed with a second response', async () => {
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10],
      onRequest: (conn, req) => {
        if (conn.index > 0) {
          conn.respond(req.id, 200, [], 'second');
          return;
        }
        // A head and 5 body bytes, then a GOAWAY claiming stream 1 was never processed, then the rest.
        conn.write(headers(req.id, [[':status', '200']], false), data(req.id, 'first', false), goawayFrame(0, 0));
        setTimeout(() => conn.write(data(req.id, '-rest', true)), 20);
      },
    });
    const results = await run(urls(server, 1), { ...h2c, hash: 'sha256' });
    expect(results).toHaveLength(1);
    const r = results[0]!;
    // Either the first response whole, or an error: never bytes of two responses in one result.
    if (r.error === null) expect(r).toMatchObject({ ok: true, bytes: 10 });
    else expect(r.error.code).toBe('protocol');
    expect(server.connections).toHaveLength(1);
  });

  it('a stream whose response is complete and finishing is not run again either', async () => {
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10],
      onRequest: (conn, req) => {
        if (conn.index > 0) {
          conn.respond(req.id, 200, [], 'second');
          return;
        }
        conn.write(headers(req.id, [[':status', '200']], false), data(req.id, 'first', true), goawayFrame(0, 0));
      },
    });
    const results = await run(urls(server, 1), { ...h2c, hash: 'sha256' });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ ok: true, bytes: 5, attempts: 1 });
    expect(server.connections).toHaveLength(1);
  });
});

describe('content codings whose stream ends before the body does', () => {
  // Node's brotli decoder ends its output by itself once the brotli stream is complete and bytes
  // follow it (it ignores them): when the END_STREAM comes in a later read (an empty DATA frame,
  // trailers), the body must still finish, not wait for its deadline.
  for (const [label, ending] of [
    ['an empty DATA frame', (id: number) => data(id, '', true)],
    ['trailers', (id: number) => headers(id, [['x-trailer', 'done']], true)],
  ] as const) {
    it(`a br body with bytes after its end, END_STREAM later on ${label}: ok, decoded, no wait for the deadline`, async () => {
      const plain = Buffer.from('brotli body '.repeat(200));
      const server = await raw({
        settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10],
        onRequest: (conn, req) => {
          conn.write(
            headers(
              req.id,
              [
                [':status', '200'],
                ['content-encoding', 'br'],
              ],
              false,
            ),
            data(req.id, Buffer.concat([brotliCompressSync(plain), Buffer.from('trailing junk')]), false),
          );
          setTimeout(() => conn.write(ending(req.id)), 30);
        },
      });
      const results = await run(urls(server, 1), { ...h2c, compressed: true, timeout: 2000 });
      expect(results[0]).toMatchObject({ ok: true, status: 200, decodedBytes: plain.length, error: null });
    });
  }
});

describe('malformed response heads', () => {
  const status = async (fields: Array<[string, string]>): Promise<Result> => {
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10],
      onRequest: (conn, req) => conn.write(headers(req.id, fields, true)),
    });
    return (await run(urls(server, 1), h2c))[0]!;
  };

  for (const value of ['0', 'abc', '20', '2000', '']) {
    it(`:status "${value}": protocol, the message names no server bytes`, async () => {
      const r = await status([[':status', value]]);
      expect(r.error?.code).toBe('protocol');
      expect(r.error?.message).toContain('invalid :status');
    });
  }

  it(':status twice: protocol', async () => {
    const r = await status([
      [':status', '200'],
      [':status', '204'],
    ]);
    expect(r.error?.code).toBe('protocol');
  });

  for (const [label, value] of [
    ['CR LF', 'a\r\nx-injected: 1'],
    ['NUL', 'a\0b'],
    ['leading space', ' a'],
  ] as const) {
    it(`a header value with ${label}: protocol, no control character in the message`, async () => {
      const r = await status([
        [':status', '200'],
        ['x-evil', value],
      ]);
      expect(r.error?.code).toBe('protocol');
      expect(CONTROL.test(r.error?.message ?? '')).toBe(false);
    });
  }

  it('other control characters in a value (allowed by §8.2.1) never reach a message', async () => {
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10],
      onRequest: (conn, req) =>
        conn.write(
          headers(
            req.id,
            [
              [':status', '500'],
              ['x-ctl', '\x1b[31m\x07\x9b'],
            ],
            true,
          ),
        ),
    });
    const r = (await run(urls(server, 1), h2c))[0]!;
    expect(r.status).toBe(500);
    for (const line of [r.error?.message ?? '', ...r.failures]) expect(CONTROL.test(line)).toBe(false);
  });
});
