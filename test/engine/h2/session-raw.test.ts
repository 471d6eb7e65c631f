import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { Exchange } from '../../../src/engine/exchange.js';
import {
  COMPRESSION_ERROR,
  CONTINUATION,
  DATA,
  ENHANCE_YOUR_CALM,
  FLAG_END_HEADERS,
  FLAG_END_STREAM,
  FLAG_PADDED,
  FLOW_CONTROL_ERROR,
  frame,
  goawayFrame,
  HEADERS,
  PING,
  PROTOCOL_ERROR,
  PUSH_PROMISE,
  REFUSED_STREAM,
  rstStreamFrame,
  SETTINGS_ENABLE_PUSH,
  SETTINGS_HEADER_TABLE_SIZE,
  SETTINGS_INITIAL_WINDOW_SIZE,
  SETTINGS_MAX_CONCURRENT_STREAMS,
  SETTINGS_MAX_FRAME_SIZE,
  windowUpdateFrame,
} from '../../../src/engine/h2/frames.js';
import { H2Session } from '../../../src/engine/h2/session.js';
import { ResponseBody } from '../../../src/engine/bodies/response-body.js';
import { Transport } from '../../../src/engine/net/transport.js';
import type { Target } from '../../../src/types.js';
import {
  block,
  continuation,
  data,
  headers,
  type RawServer,
  type RawServerOptions,
} from '../../helpers/h2-raw-server.js';
import { byIndex, indexesOnce, prepare, run } from '../harness.js';
import { expectation, logged, rawServerFixture, recordingOwner, until, urls } from './raw-harness.js';

const raw = rawServerFixture();

// perHost given: these servers hold the streams until all of a test's requests are open, and
// without one an origin that has not answered yet may hold only half of `concurrency`.
const h2c = { http2PriorKnowledge: true, timeout: 5000, perHost: 100 };
const ok200 =
  (body = 'ok'): RawServerOptions['onRequest'] =>
  (conn, req) =>
    conn.respond(req.id, 200, [], body);

describe('our HTTP/2 session against exact frames', () => {
  it('reads a response split at every byte (padding, CONTINUATION), and the server preface byte by byte', async () => {
    const blk = block([
      [':status', '200'],
      ['content-length', '10'],
      ['x-split', 'yes'],
    ]);
    const response = (id: number): Buffer =>
      Buffer.concat([
        frame(HEADERS, FLAG_PADDED, id, Buffer.concat([Buffer.from([2]), blk.subarray(0, 5), Buffer.alloc(2)])),
        frame(CONTINUATION, FLAG_END_HEADERS, id, blk.subarray(5)),
        frame(DATA, FLAG_PADDED, id, Buffer.from('\x03hello\0\0\0', 'latin1')),
        frame(DATA, FLAG_END_STREAM, id, Buffer.from('world')),
      ]);
    const length = response(1).length;
    let k = 0;
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 100],
      splitSettings: true,
      onRequest: (conn, req) => {
        // Target i's response is written in two parts split at byte i.
        const bytes = response(req.id);
        const at = k++ % (length + 1);
        conn.write(bytes.subarray(0, at));
        setTimeout(() => conn.write(bytes.subarray(at)), 3);
      },
    });
    const n = length + 1;
    const results = await run(urls(server, n), { ...h2c, concurrency: 1 });
    expect(indexesOnce(results, n)).toBe(true);
    for (const r of results) expect(r).toMatchObject({ ok: true, status: 200, bytes: 10, httpVersion: '2' });
    expect(server.connections).toHaveLength(1);
  });

  it('a large body in DATA frames that straddle reads arrives whole (hash checked), credited as it goes', async () => {
    const body = Buffer.alloc(300_000);
    for (let i = 0; i < body.length; i++) body[i] = (i * 7 + (i >> 9)) & 0xff;
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10],
      onRequest: (conn, req) => {
        const frames: Buffer[] = [headers(req.id, [[':status', '200']], false)];
        for (let at = 0; at < body.length; at += 16_384) {
          frames.push(data(req.id, body.subarray(at, at + 16_384), at + 16_384 >= body.length));
        }
        const wire = Buffer.concat(frames);
        // Written in 7,001-byte pieces with pauses: most frames are split across reads.
        let at = 0;
        const next = (): void => {
          if (at >= wire.length || conn.socket.destroyed) return;
          conn.write(wire.subarray(at, at + 7001));
          at += 7001;
          setTimeout(next, 1);
        };
        next();
      },
    });
    const r = (await run([`${server.url}/big`], { ...h2c, hash: 'sha256' }))[0];
    expect(r).toMatchObject({ ok: true, bytes: body.length });
    expect(r?.sha256).toBe(createHash('sha256').update(body).digest('hex'));
  });

  it('answers PING with an ACK and ignores unknown frame types and unknown settings', async () => {
    const server = await raw({
      settings: [0x99, 12345, SETTINGS_MAX_CONCURRENT_STREAMS, 10],
      onRequest: (conn, req) => {
        conn.write(frame(PING, 0, 0, Buffer.alloc(8, 7)), frame(0x42, 0, req.id, Buffer.from('extension')));
        conn.respond(req.id, 200, [], 'fine');
      },
    });
    const results = await run(urls(server, 3), h2c);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(server.connections[0]?.log).toContain('PING-ACK');
  });

  it('PUSH_PROMISE (we said ENABLE_PUSH 0): connection PROTOCOL_ERROR, every target one protocol result', async () => {
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10],
      onRequest: (conn, req) => {
        if (conn.requests.length === 3) {
          conn.write(
            frame(PUSH_PROMISE, FLAG_END_HEADERS, req.id, Buffer.concat([Buffer.from([0, 0, 0, 2]), block([])])),
          );
        }
      },
    });
    const results = await run(urls(server, 3), { ...h2c, concurrency: 3 });
    expect(indexesOnce(results, 3)).toBe(true);
    for (const r of results) {
      expect(r.error?.code).toBe('protocol');
      expect(r.error?.message).toContain('PROTOCOL_ERROR');
    }
    expect(await logged(server, `GOAWAY 0 ${PROTOCOL_ERROR}`)).toContain(`GOAWAY 0 ${PROTOCOL_ERROR}`);
  });

  it('GOAWAY with a last-stream-id in the middle: the streams above it run again on a second connection', async () => {
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 100],
      onRequest: (conn, req) => {
        if (conn.index > 0) {
          conn.respond(req.id, 200, [], req.path);
          return;
        }
        // The first connection waits for six streams, answers 1 and 3, names 5 as the last it
        // will process, then answers 5; 7, 9 and 11 were never processed.
        if (conn.requests.length < 6) return;
        conn.respond(1, 200, [], 'one');
        conn.respond(3, 200, [], 'three');
        conn.write(goawayFrame(5, 0));
        conn.respond(5, 200, [], 'five');
      },
    });
    const results = await run(urls(server, 6), { ...h2c, concurrency: 6 });
    expect(indexesOnce(results, 6)).toBe(true);
    for (const r of results) expect(r).toMatchObject({ ok: true, attempts: 1, httpVersion: '2' });
    expect(server.connections).toHaveLength(2);
    expect(server.connections[0]?.requests).toHaveLength(6);
    expect(server.connections[1]?.requests).toHaveLength(3);
  });

  it('GOAWAY with an error code: unanswered streams at or below the last id fail protocol, naming the code', async () => {
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 100],
      onRequest: (conn, req) => {
        if (conn.requests.length < 2) return;
        conn.respond(1, 200, [], 'one');
        conn.write(goawayFrame(req.id, 2));
        setTimeout(() => conn.socket.destroy(), 20);
      },
    });
    const results = byIndex(await run(urls(server, 2), { ...h2c, concurrency: 2 }));
    expect(results[0]?.ok).toBe(true);
    expect(results[1]?.error?.code).toBe('protocol');
    expect(results[1]?.error?.message).toContain('GOAWAY INTERNAL_ERROR (2)');
  });

  it('RST_STREAM REFUSED_STREAM before any response: runs again (not an attempt); always refused: reset after a few', async () => {
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10],
      onRequest: (conn, req) => {
        if (req.path === '/always' || conn.requests.filter((r) => r.path === req.path).length <= 2) {
          conn.write(rstStreamFrame(req.id, REFUSED_STREAM));
          return;
        }
        conn.respond(req.id, 200, [], 'ok');
      },
    });
    const results = byIndex(await run([`${server.url}/twice`, `${server.url}/always`], h2c));
    expect(results[0]).toMatchObject({ ok: true, attempts: 1 });
    expect(results[1]?.error?.code).toBe('reset');
    expect(results[1]?.error?.message).toContain('REFUSED_STREAM');
    const always = server.connections.flatMap((c) => c.requests).filter((r) => r.path === '/always');
    expect(always.length).toBe(6); // the first try and five more (MAX_REFUSALS)
  });

  const malformed: Array<[string, (id: number) => Buffer[], string]> = [
    ['status 101', (id) => [headers(id, [[':status', '101']], false)], '101'],
    ['no :status', (id) => [headers(id, [['x-a', 'b']], true)], 'no :status'],
    ['an invalid :status', (id) => [headers(id, [[':status', '2000']], true)], 'invalid :status'],
    [
      'a pseudo-header other than :status',
      (id) => [
        headers(
          id,
          [
            [':status', '200'],
            [':path', '/'],
          ],
          true,
        ),
      ],
      'pseudo-header',
    ],
    [
      'an upper-case field name',
      (id) => [
        headers(
          id,
          [
            [':status', '200'],
            ['X-Upper', 'a'],
          ],
          true,
        ),
      ],
      'upper-case',
    ],
    [
      'a connection-specific field',
      (id) => [
        headers(
          id,
          [
            [':status', '200'],
            ['transfer-encoding', 'chunked'],
          ],
          true,
        ),
      ],
      'connection-specific',
    ],
    [
      'a field value with a line feed',
      (id) => [
        headers(
          id,
          [
            [':status', '200'],
            ['x-a', 'b\nc'],
          ],
          true,
        ),
      ],
      'invalid value',
    ],
    [
      'more DATA than its content-length',
      (id) => [
        headers(
          id,
          [
            [':status', '200'],
            ['content-length', '3'],
          ],
          false,
        ),
        data(id, 'four', true),
      ],
      'content-length',
    ],
    [
      'less DATA than its content-length',
      (id) => [
        headers(
          id,
          [
            [':status', '200'],
            ['content-length', '9'],
          ],
          false,
        ),
        data(id, 'four', true),
      ],
      'content-length',
    ],
    ['DATA before the head', (id) => [data(id, 'early', true)], 'DATA before'],
    ['an interim response ending the stream', (id) => [headers(id, [[':status', '103']], true)], 'interim'],
    [
      'trailers that do not end the stream',
      (id) => [headers(id, [[':status', '200']], false), data(id, 'x', false), headers(id, [['x-t', '1']], false)],
      'does not end the stream',
    ],
    [
      'a pseudo-header in trailers',
      (id) => [headers(id, [[':status', '200']], false), data(id, 'x', false), headers(id, [[':status', '200']], true)],
      'trailers',
    ],
  ];

  for (const [what, frames, says] of malformed) {
    it(`a malformed response (${what}): that stream fails protocol and is reset PROTOCOL_ERROR; the connection goes on`, async () => {
      const server = await raw({
        settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10],
        onRequest: (conn, req) => {
          if (req.path === '/n/1') conn.write(...frames(req.id));
          else conn.respond(req.id, 200, [], 'fine');
        },
      });
      const results = byIndex(await run(urls(server, 3), { ...h2c, concurrency: 1 }));
      expect(indexesOnce(results, 3)).toBe(true);
      expect(results[1]?.error?.code).toBe('protocol');
      expect(results[1]?.error?.message).toContain(says);
      expect(results[1]?.error?.message).not.toMatch(/[\r\n]/);
      expect(results[0]?.ok).toBe(true);
      expect(results[2]?.ok).toBe(true);
      expect(server.connections).toHaveLength(1);
      expect(await logged(server, `RST 3 ${PROTOCOL_ERROR}`)).toContain(`RST 3 ${PROTOCOL_ERROR}`);
    });
  }

  it('a HEAD response and a 204 may announce a content-length without DATA (RFC 9113 §8.1.1)', async () => {
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10],
      onRequest: (conn, req) => conn.respond(req.id, req.method === 'HEAD' ? 200 : 204, [['content-length', '42']]),
    });
    const results = await run([{ url: `${server.url}/h`, method: 'HEAD' }, `${server.url}/nc`], h2c);
    for (const r of results) expect(r).toMatchObject({ ok: true, bytes: 0 });
  });

  it('interim 1xx heads, then the final 200', async () => {
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10],
      onRequest: (conn, req) => {
        conn.write(
          headers(
            req.id,
            [
              [':status', '103'],
              ['link', '</style.css>; rel=preload'],
            ],
            false,
          ),
          headers(req.id, [[':status', '100']], false),
        );
        conn.respond(req.id, 200, [['x-final', 'yes']], 'final');
      },
    });
    const r = (await run([{ url: `${server.url}/x`, expect: { header: { 'x-final': 'yes' } } }], h2c))[0];
    expect(r).toMatchObject({ ok: true, status: 200, bytes: 5 });
  });

  it('trailers after the body are accepted (and not reported)', async () => {
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10],
      onRequest: (conn, req) =>
        conn.write(
          headers(req.id, [[':status', '200']], false),
          data(req.id, 'body', false),
          headers(req.id, [['x-checksum', 'abc']], true),
        ),
    });
    const results = await run(urls(server, 2), h2c);
    for (const r of results) expect(r).toMatchObject({ ok: true, status: 200, bytes: 4 });
  });

  it('a header list over maxHeaderBytes across CONTINUATIONs: too_large, RST CANCEL, the connection goes on', async () => {
    const big = block([
      [':status', '200'],
      ['x-big', 'a'.repeat(6000)],
    ]);
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10],
      onRequest: (conn, req) => {
        if (req.path !== '/n/0') {
          conn.respond(req.id, 200, [], 'ok');
          return;
        }
        const parts: Buffer[] = [frame(HEADERS, 0, req.id, big.subarray(0, 100))];
        for (let at = 100; at < big.length; at += 100) {
          parts.push(continuation(req.id, big.subarray(at, at + 100), at + 100 >= big.length));
        }
        parts.push(data(req.id, 'ignored', true));
        conn.write(...parts);
      },
    });
    const results = byIndex(await run(urls(server, 2), { ...h2c, concurrency: 1, maxHeaderBytes: 4096 }));
    expect(results[0]?.error?.code).toBe('too_large');
    expect(results[1]?.ok).toBe(true);
    expect(server.connections).toHaveLength(1);
    expect(await logged(server, 'RST 1 8')).toContain('RST 1 8');
  });

  it('a CONTINUATION flood (a block that never ends): too_large, GOAWAY ENHANCE_YOUR_CALM, bounded', async () => {
    let sent = 0;
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10],
      onRequest: (conn, req) => {
        if (req.path !== '/n/0') return; // the other stream waits: it ends with the connection
        conn.write(frame(HEADERS, 0, req.id, block([[':status', '200']])));
        // Fragments of indexed fields (static entry 16, RFC 7541 Appendix A) forever, until the
        // client hangs up: the list is over the cap at once, the block never ends.
        const fragment = continuation(req.id, Buffer.alloc(1000, 0x90), false);
        const flood = (): void => {
          if (conn.socket.destroyed || sent > 10_000_000) return;
          for (let i = 0; i < 64; i++) conn.write(fragment);
          sent += 64 * 1000;
          setImmediate(flood);
        };
        flood();
      },
    });
    const results = byIndex(await run(urls(server, 2), { ...h2c, concurrency: 2, maxHeaderBytes: 4096 }));
    expect(indexesOnce(results, 2)).toBe(true);
    expect(results[0]?.error?.code).toBe('too_large');
    expect(results[1]?.error?.code).toBe('protocol');
    expect(results[1]?.error?.message).toContain('ENHANCE_YOUR_CALM');
    expect(await logged(server, `GOAWAY 0 ${ENHANCE_YOUR_CALM}`)).toContain(`GOAWAY 0 ${ENHANCE_YOUR_CALM}`);
    // 4 × 4096 + 16 KiB of block is the cap; the client stopped reading long before the server's limit.
    expect(sent).toBeLessThan(10_000_000);
  });

  it('SETTINGS_HEADER_TABLE_SIZE from the server reaches our HPACK encoder (it empties the table it indexes into)', async () => {
    const sizes: number[] = [];
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10, SETTINGS_HEADER_TABLE_SIZE, 0],
      onRequest: (conn, req) => {
        sizes.push(conn.tableSize());
        conn.respond(req.id, 200, [], 'ok');
      },
    });
    const results = await run(urls(server, 4), { ...h2c, concurrency: 1 });
    expect(results.every((r) => r.ok)).toBe(true);
    // The first request went out before the server's SETTINGS (a 4096-byte table); the blocks
    // after them start with a size update to 0 and index nothing.
    expect(sizes[0]).toBeGreaterThan(0);
    expect(sizes.slice(1)).toEqual([0, 0, 0]);
  });

  it('an HPACK error (an index past both tables): connection COMPRESSION_ERROR, every target protocol', async () => {
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10],
      onRequest: (conn, req) => {
        if (conn.requests.length < 2) return;
        // Indexed field 126 (RFC 7541 §6.1): the static table has 61 entries, the dynamic one none.
        conn.write(frame(HEADERS, FLAG_END_HEADERS | FLAG_END_STREAM, req.id, Buffer.from([0xfe])));
      },
    });
    const results = await run(urls(server, 2), { ...h2c, concurrency: 2 });
    expect(indexesOnce(results, 2)).toBe(true);
    for (const r of results) {
      expect(r.error?.code).toBe('protocol');
      expect(r.error?.message).toContain('COMPRESSION_ERROR');
    }
    expect(await logged(server, `GOAWAY 0 ${COMPRESSION_ERROR}`)).toContain(`GOAWAY 0 ${COMPRESSION_ERROR}`);
  });

  it('the connection closes mid-body: that stream is truncated; one not yet answered runs again', async () => {
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10],
      onRequest: (conn, req) => {
        if (conn.index > 0) {
          conn.respond(req.id, 200, [], 'again');
          return;
        }
        if (conn.requests.length < 2) return;
        conn.write(headers(1, [[':status', '200']], false), data(1, 'part', false));
        setTimeout(() => conn.socket.destroy(), 20);
      },
    });
    const results = byIndex(await run(urls(server, 2), { ...h2c, concurrency: 2 }));
    expect(indexesOnce(results, 2)).toBe(true);
    expect(results[0]?.error?.code).toBe('truncated');
    expect(results[0]?.bytes).toBe(4);
    expect(results[1]).toMatchObject({ ok: true, attempts: 1 });
  });

  const badSettings: Array<[string, number[], number]> = [
    ['SETTINGS_ENABLE_PUSH 1 from a server', [SETTINGS_ENABLE_PUSH, 1], PROTOCOL_ERROR],
    ['SETTINGS_MAX_FRAME_SIZE below 16384', [SETTINGS_MAX_FRAME_SIZE, 100], PROTOCOL_ERROR],
    ['SETTINGS_MAX_FRAME_SIZE above 2^24-1', [SETTINGS_MAX_FRAME_SIZE, 0x1000000], PROTOCOL_ERROR],
    ['SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1', [SETTINGS_INITIAL_WINDOW_SIZE, 0x80000000], FLOW_CONTROL_ERROR],
  ];
  for (const [what, settings, code] of badSettings) {
    it(`${what}: connection error ${code}, every target one protocol result`, async () => {
      const server = await raw({ settings, onRequest: ok200() });
      const results = await run(urls(server, 2), h2c);
      expect(indexesOnce(results, 2)).toBe(true);
      for (const r of results) expect(r.error?.code).toBe('protocol');
      expect(await logged(server, `GOAWAY 0 ${code}`)).toContain(`GOAWAY 0 ${code}`);
    });
  }

  it('WINDOW_UPDATE of 0 on a stream: that stream fails protocol (RST PROTOCOL_ERROR); the others are fine', async () => {
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10],
      onRequest: (conn, req) => {
        if (req.path === '/n/0') conn.write(windowUpdateFrame(req.id, 0));
        else conn.respond(req.id, 200, [], 'ok');
      },
    });
    const results = byIndex(await run(urls(server, 2), { ...h2c, concurrency: 1 }));
    expect(results[0]?.error?.code).toBe('protocol');
    expect(results[1]?.ok).toBe(true);
    expect(await logged(server, `RST 1 ${PROTOCOL_ERROR}`)).toContain(`RST 1 ${PROTOCOL_ERROR}`);
  });

  it('a stream window pushed over 2^31-1: RST FLOW_CONTROL_ERROR; the connection window: GOAWAY FLOW_CONTROL_ERROR', async () => {
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10],
      onRequest: (conn, req) => {
        if (req.path === '/n/0') conn.write(windowUpdateFrame(req.id, 0x7fffffff));
        else if (req.path === '/n/1') conn.respond(req.id, 200, [], 'ok');
        else conn.write(windowUpdateFrame(0, 0x7fffffff));
      },
    });
    const results = byIndex(await run(urls(server, 3), { ...h2c, concurrency: 1 }));
    expect(indexesOnce(results, 3)).toBe(true);
    expect(results[0]?.error?.code).toBe('protocol');
    expect(results[1]?.ok).toBe(true);
    expect(results[2]?.error?.code).toBe('protocol');
    expect(results[2]?.error?.message).toContain('FLOW_CONTROL_ERROR');
    expect(await logged(server, `GOAWAY 0 ${FLOW_CONTROL_ERROR}`)).toContain(`RST 1 ${FLOW_CONTROL_ERROR}`);
    expect(server.connections[0]?.log).toContain(`GOAWAY 0 ${FLOW_CONTROL_ERROR}`);
  });

  it('a request body is sent within the server’s windows and frame size, resuming on WINDOW_UPDATE', async () => {
    const body = 'y'.repeat(100_000);
    let received = 0;
    let largest = 0;
    let frames = 0;
    const server = await raw({
      // A 1000-byte stream window; the connection window stays 65,535 until credited.
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10, SETTINGS_INITIAL_WINDOW_SIZE, 1000],
      onRequest: () => {},
      onData: (conn, id, bytes, end) => {
        received += bytes;
        largest = Math.max(largest, bytes);
        frames++;
        // Credit what was read, on the stream and the connection.
        if (bytes > 0) conn.write(windowUpdateFrame(id, bytes), windowUpdateFrame(0, bytes));
        if (end) conn.respond(id, 200, [], String(received));
      },
    });
    const results = await run([{ url: `${server.url}/up`, method: 'POST', body }], h2c);
    expect(results[0]).toMatchObject({ ok: true, status: 200 });
    expect(received).toBe(100_000);
    // Before the server's SETTINGS the window is the default 65,535 (RFC 9113 §6.9.2), in frames of
    // at most 16,384 bytes; the rest goes out 1000 bytes at a time as the server credits it.
    expect(largest).toBeLessThanOrEqual(16_384);
    expect(frames).toBeGreaterThanOrEqual(Math.ceil((100_000 - 65_535) / 1000));
  });

  it('a larger SETTINGS_INITIAL_WINDOW_SIZE raises the windows of streams already open (RFC 9113 §6.9.2)', async () => {
    const body = 'u'.repeat(150_000);
    let received = 0;
    const server = await raw({
      // No stream WINDOW_UPDATE ever: only the new initial window lets the upload past 65,535.
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10, SETTINGS_INITIAL_WINDOW_SIZE, 200_000],
      onRequest: (conn) => conn.write(windowUpdateFrame(0, 1 << 20)),
      onData: (conn, id, bytes, end) => {
        received += bytes;
        if (end) conn.respond(id, 200, [], String(received));
      },
    });
    const results = await run([{ url: `${server.url}/up`, method: 'PUT', body }], { ...h2c, timeout: 2000 });
    expect(results[0]).toMatchObject({ ok: true, status: 200 });
    expect(received).toBe(150_000);
    expect(server.connections[0]?.log.filter((l) => l.startsWith('DATA 1 ')).length).toBeGreaterThan(4);
  });

  it('an idle connection closes with GOAWAY NO_ERROR', async () => {
    const server = await raw({ settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10], onRequest: ok200() });
    const results = await run(urls(server, 2), h2c);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(await logged(server, 'GOAWAY 0 0')).toContain('GOAWAY 0 0');
  });
});

/** A session on a plain socket to `server`, with the receive windows given. */
async function directSession(
  server: RawServer,
  windows: { stream: number; connection: number },
  maxBytes?: number,
): Promise<{ session: H2Session; owner: ReturnType<typeof recordingOwner> }> {
  const socket = connect({ host: '127.0.0.1', port: Number(new URL(server.url).port) });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const owner = recordingOwner();
  const session = new H2Session(
    owner,
    '127.0.0.1',
    { socket, sockets: [socket], protocol: 'h2', tlsInfo: null, remoteAddress: '127.0.0.1', relay: null, proxy: null },
    { transport: new Transport({}, 'test'), maxHeaderBytes: 65536, maxBytes, pipeline: 1 },
    windows,
  );
  return { session, owner };
}

describe('receive flow control (a session with a small window)', () => {
  it('credits each stream back as its body is taken: a server that keeps to the window gets the whole body', async () => {
    const total = 20_000;
    let sent = 0;
    let window = 1000; // the stream window our session advertises below
    const pump = (conn: Parameters<RawServerOptions['onRequest']>[0], id: number): void => {
      while (window > 0 && sent < total) {
        const n = Math.min(window, 300, total - sent);
        sent += n;
        window -= n;
        conn.write(data(id, 'w'.repeat(n), sent === total));
      }
    };
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10],
      onRequest: (conn, req) => {
        conn.write(headers(req.id, [[':status', '200']], false));
        pump(conn, req.id);
      },
      onWindowUpdate: (conn, id, increment) => {
        if (id === 0) return;
        window += increment;
        pump(conn, id);
      },
    });
    const { session, owner } = await directSession(server, { stream: 1000, connection: 1 << 20 });
    session.send(new Exchange((prepare([`${server.url}/w`]) as Target[])[0]!, expectation));
    await until(() => owner.results.length === 1);
    expect(owner.results[0]).toMatchObject({ ok: true, bytes: total });
    // Credit is batched: once half the window (500 bytes) is used, not per frame.
    const updates = server.connections[0]!.log.filter((l) => l.startsWith('WU 1 '));
    expect(updates.length).toBeGreaterThanOrEqual(Math.floor((total - 1000) / 1000));
    expect(updates.length).toBeLessThanOrEqual(Math.ceil(total / 500));
    session.destroy();
  });

  it('a body whose consumer is behind gets no credit until it catches up; the other streams flow meanwhile', async () => {
    const total = 5000;
    const state = new Map<number, { sent: number; window: number }>();
    const pump = (conn: Parameters<RawServerOptions['onRequest']>[0], id: number): void => {
      const st = state.get(id)!;
      while (st.window > 0 && st.sent < total) {
        const n = Math.min(st.window, 250, total - st.sent);
        st.sent += n;
        st.window -= n;
        conn.write(data(id, 'p'.repeat(n), st.sent === total));
      }
    };
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10],
      onRequest: (conn, req) => {
        state.set(req.id, { sent: 0, window: 1000 });
        conn.write(headers(req.id, [[':status', '200']], false));
        pump(conn, req.id);
      },
      onWindowUpdate: (conn, id, increment) => {
        const st = state.get(id);
        if (st === undefined) return;
        st.window += increment;
        pump(conn, id);
      },
    });
    // The /slow body's consumer (a decoder or a disk, in a real run) falls behind once, on its
    // first bytes, and stays behind until the test resumes it.
    let armed = true;
    let resume: (() => void) | null = null;
    const spy = vi.spyOn(ResponseBody.prototype, 'backpressure').mockImplementation(function (this: ResponseBody) {
      const ex = (this as unknown as { ex: Exchange }).ex;
      if (ex.target.path !== '/slow' || !armed) return null;
      armed = false;
      return (callback) => {
        resume = callback;
      };
    });
    try {
      // A body with work beyond counting (here --max-bytes) has a consumer that can fall behind;
      // one that is only counted goes straight to its exchange and never waits.
      const { session, owner } = await directSession(server, { stream: 1000, connection: 1 << 20 }, 1 << 30);
      const targets = prepare([`${server.url}/slow`, `${server.url}/fast`]) as Target[];
      session.send(new Exchange(targets[0]!, expectation));
      await until(() => session.available() >= 1);
      session.send(new Exchange(targets[1]!, expectation));
      await until(() => owner.results.length === 1);
      // /fast completed; /slow stalled at its 1000-byte window, credited nothing.
      expect(owner.results[0]).toMatchObject({ ok: true, bytes: total, url: `${server.url}/fast` });
      const log = server.connections[0]!.log;
      expect(log.filter((l) => l.startsWith('WU 1 '))).toEqual([]);
      expect(state.get(1)?.sent).toBe(1000);
      expect(resume).not.toBeNull();
      (resume as unknown as () => void)();
      await until(() => owner.results.length === 2);
      expect(owner.results[1]).toMatchObject({ ok: true, bytes: total, url: `${server.url}/slow` });
      session.destroy();
    } finally {
      spy.mockRestore();
    }
  });

  it('DATA beyond the stream window: connection FLOW_CONTROL_ERROR, every exchange one result', async () => {
    const server = await raw({
      settings: [SETTINGS_MAX_CONCURRENT_STREAMS, 10],
      onRequest: (conn, req) => {
        if (conn.requests.length < 3) return;
        // 3000 bytes in one DATA frame against a 1000-byte window.
        conn.write(headers(req.id, [[':status', '200']], false), data(req.id, 'z'.repeat(3000), true));
      },
    });
    const { session, owner } = await directSession(server, { stream: 1000, connection: 1 << 20 });
    const targets = prepare(urls(server, 3)) as Target[];
    session.send(new Exchange(targets[0]!, expectation));
    // The server's SETTINGS (10 streams) let the other two in.
    await until(() => session.available() >= 2);
    session.send(new Exchange(targets[1]!, expectation));
    session.send(new Exchange(targets[2]!, expectation));
    await until(() => owner.results.length === 3);
    expect(owner.results.map((r) => r.index).sort()).toEqual([0, 1, 2]);
    for (const r of owner.results) {
      expect(r.error?.code).toBe('protocol');
      expect(r.error?.message).toContain('FLOW_CONTROL_ERROR');
    }
    expect(owner.closedCount).toBe(1);
    expect(await logged(server, `GOAWAY 0 ${FLOW_CONTROL_ERROR}`)).toContain(`GOAWAY 0 ${FLOW_CONTROL_ERROR}`);
    session.destroy();
  });
});
