/**
 * `compressed`: the request asks for gzip, deflate or br; an encoded response is decoded as a
 * stream, `bytes` stays the bytes on the wire, `decodedBytes` counts the decoded ones, and
 * `bodyIncludes` looks at the decoded text.
 */
import { randomBytes } from 'node:crypto';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { contentCodings, isZlibHeader } from '../../../src/engine/bodies/decode.js';
import {
  chunk,
  head,
  onRequests,
  rawServer,
  response,
  send,
  startHttpServer,
  type RouteHandler,
} from '../../helpers/servers.js';
import { byIndex, one, run } from '../harness.js';
import { closeAfterEach } from '../../helpers/track.js';

const start = closeAfterEach();

const TEXT = `${'The quick brown fox jumps over the lazy dog. '.repeat(200)}NEEDLE-at-the-end`;

/** A route answering `body` with `Content-Encoding: encoding` (Content-Length framing). */
function encoded(body: Buffer, encoding: string): RouteHandler {
  return (_req, ctx) => send(ctx.socket, response(200, body, [['Content-Encoding', encoding]]));
}

const routes: Record<string, RouteHandler> = {
  '/gzip': encoded(gzipSync(TEXT), 'gzip'),
  '/x-gzip': encoded(gzipSync(TEXT), 'x-gzip'),
  '/deflate': encoded(deflateSync(TEXT), 'deflate'),
  '/deflate-raw': encoded(deflateRawSync(TEXT), 'deflate'),
  '/br': encoded(brotliCompressSync(TEXT), 'br'),
  '/two': encoded(gzipSync(deflateSync(TEXT)), 'deflate, gzip'),
  '/two-fields': (_req, ctx) =>
    send(
      ctx.socket,
      response(200, brotliCompressSync(gzipSync(TEXT)), [
        ['Content-Encoding', 'gzip'],
        ['Content-Encoding', 'br'],
      ]),
    ),
  '/identity': encoded(Buffer.from(TEXT), 'identity'),
  '/plain': (_req, ctx) => send(ctx.socket, response(200, TEXT)),
  '/zstd': encoded(Buffer.from('not really zstd'), 'zstd'),
  '/corrupt': encoded(Buffer.from('this is not gzip at all, just text'), 'gzip'),
  '/truncated': encoded(gzipSync(TEXT).subarray(0, 40), 'gzip'),
  '/one-byte-deflate': encoded(Buffer.from([0x78]), 'deflate'),
  '/empty': encoded(Buffer.alloc(0), 'gzip'),
  '/head-ok': encoded(gzipSync(TEXT), 'gzip'),
};

describe('the request', () => {
  it('asks for gzip, deflate and br when compressed, and for nothing otherwise', async () => {
    const server = await start(startHttpServer(routes));
    await one(`${server.url}/plain`, { compressed: true, timeout: 5000 });
    await one(`${server.url}/plain`, { timeout: 5000 });
    expect(server.received[0]?.header('accept-encoding')).toBe('gzip, deflate, br');
    expect(server.received[1]?.header('accept-encoding')).toBeUndefined();
  });

  it("keeps the user's own Accept-Encoding, sent once", async () => {
    const server = await start(startHttpServer(routes));
    await one(
      { url: `${server.url}/plain`, headers: { 'accept-encoding': 'br' } },
      { compressed: true, timeout: 5000 },
    );
    const sent = server.received[0]!.headers.filter(([n]) => n.toLowerCase() === 'accept-encoding');
    expect(sent).toEqual([['accept-encoding', 'br']]);
  });
});

describe('decoding', () => {
  it.each([
    ['gzip', '/gzip', gzipSync(TEXT).length],
    ['x-gzip', '/x-gzip', gzipSync(TEXT).length],
    ['deflate (zlib-wrapped, RFC 1950)', '/deflate', deflateSync(TEXT).length],
    ['deflate sent raw (RFC 1951)', '/deflate-raw', deflateRawSync(TEXT).length],
    ['br', '/br', brotliCompressSync(TEXT).length],
    ['two codings in one field (deflate, gzip)', '/two', gzipSync(deflateSync(TEXT)).length],
    ['two codings in two fields (gzip; br)', '/two-fields', brotliCompressSync(gzipSync(TEXT)).length],
  ])('%s: bytes on the wire, decodedBytes decoded, bodyIncludes on the decoded text', async (_, path, wire) => {
    const server = await start(startHttpServer(routes));
    const r = await one(
      { url: `${server.url}${path}`, expect: { bodyIncludes: 'NEEDLE-at-the-end' } },
      { compressed: true, timeout: 5000 },
    );
    expect(r).toMatchObject({
      ok: true,
      error: null,
      failures: [],
      bytes: wire,
      decodedBytes: Buffer.byteLength(TEXT),
    });
    expect(wire).toBeLessThan(Buffer.byteLength(TEXT));
  });

  it('leaves decodedBytes null for a response that is not encoded (or only identity)', async () => {
    const server = await start(startHttpServer(routes));
    const results = byIndex(
      await run([`${server.url}/plain`, `${server.url}/identity`], { compressed: true, timeout: 5000 }),
    );
    for (const r of results) expect(r).toMatchObject({ ok: true, bytes: Buffer.byteLength(TEXT), decodedBytes: null });
  });

  it('without compressed, does not decode: decodedBytes null and bodyIncludes sees the wire bytes', async () => {
    const server = await start(startHttpServer(routes));
    const r = await one({ url: `${server.url}/gzip`, expect: { bodyIncludes: 'NEEDLE' } }, { timeout: 5000 });
    expect(r).toMatchObject({ ok: false, error: null, bytes: gzipSync(TEXT).length, decodedBytes: null });
    expect(r.failures).toEqual(['body does not include "NEEDLE"']);
  });

  it('reports a coding it cannot decode as is: decodedBytes null', async () => {
    const server = await start(startHttpServer(routes));
    const r = await one(`${server.url}/zstd`, { compressed: true, timeout: 5000 });
    expect(r).toMatchObject({ ok: true, decodedBytes: null, bytes: 15 });
  });

  it('fails bodyIncludes when the decoded text lacks the needle', async () => {
    const server = await start(startHttpServer(routes));
    const r = await one(
      { url: `${server.url}/gzip`, expect: { bodyIncludes: 'not in there' } },
      { compressed: true, timeout: 5000 },
    );
    expect(r.ok).toBe(false);
    expect(r.decodedBytes).toBe(Buffer.byteLength(TEXT));
    expect(r.failures).toEqual(['body does not include "not in there"']);
  });

  it('has nothing to decode in an empty body or after HEAD', async () => {
    const server = await start(startHttpServer(routes));
    const results = byIndex(
      await run([`${server.url}/empty`, { url: `${server.url}/head-ok`, method: 'HEAD' }], {
        compressed: true,
        timeout: 5000,
      }),
    );
    for (const r of results) expect(r).toMatchObject({ ok: true, bytes: 0, decodedBytes: null });
  });
});

describe('bad encoded bodies', () => {
  it.each([
    ['corrupt gzip', '/corrupt', 'gzip'],
    ['gzip cut short', '/truncated', 'gzip'],
    ['a one-byte deflate body', '/one-byte-deflate', 'deflate'],
  ])('%s → error protocol naming the coding and the server', async (_, path, coding) => {
    const server = await start(startHttpServer(routes));
    const r = await one(`${server.url}${path}`, { compressed: true, timeout: 5000 });
    expect(r.ok).toBe(false);
    expect(r.status).toBe(200);
    expect(r.error?.code).toBe('protocol');
    expect(r.error?.message).toMatch(new RegExp(`^cannot decode ${coding} body from 127\\.0\\.0\\.1:${server.port}: `));
  });

  it('a decoding error does not poison the next request: it goes out on a fresh connection', async () => {
    const server = await start(startHttpServer(routes));
    const results = byIndex(
      await run([`${server.url}/corrupt`, `${server.url}/gzip`], {
        compressed: true,
        concurrency: 1,
        perHost: 1,
        timeout: 5000,
      }),
    );
    expect(results[0]!.error?.code).toBe('protocol');
    expect(results[1]).toMatchObject({ ok: true, reused: false, decodedBytes: Buffer.byteLength(TEXT) });
  });

  it('a body that stalls mid-stream times out in phase body', async () => {
    const gz = gzipSync(TEXT);
    const server = await start(
      rawServer((ctx) =>
        onRequests(ctx, () => {
          send(
            ctx.socket,
            head(200, [
              ['Content-Encoding', 'gzip'],
              ['Content-Length', String(gz.length)],
            ]),
          );
          send(ctx.socket, gz.subarray(0, 30));
        }),
      ),
    );
    const r = await one(`${server.url}/`, { compressed: true, timeout: 300 });
    expect(r.error).toMatchObject({ code: 'timeout', phase: 'body' });
    expect(r.bytes).toBe(30);
  });
});

describe('large and split bodies', () => {
  it('decodes a large gzip body sent chunked in many small writes, counting every decoded byte', async () => {
    // Random base64 compresses only ~25%, so the wire body is megabytes and spans many reads.
    const text = Buffer.from(`${randomBytes(3 * 1024 * 1024).toString('base64')}THE-END`);
    const gz = gzipSync(text);
    const server = await start(
      rawServer((ctx) =>
        onRequests(ctx, () => {
          send(
            ctx.socket,
            head(200, [
              ['Content-Encoding', 'gzip'],
              ['Transfer-Encoding', 'chunked'],
            ]),
          );
          for (let i = 0; i < gz.length; i += 7919)
            send(ctx.socket, chunk(gz.subarray(i, Math.min(gz.length, i + 7919))));
          send(ctx.socket, '0\r\n\r\n');
        }),
      ),
    );
    const r = await one(
      { url: `${server.url}/`, expect: { bodyIncludes: 'THE-END' } },
      { compressed: true, timeout: 20_000 },
    );
    expect(r).toMatchObject({ ok: true, error: null, bytes: gz.length, decodedBytes: text.length });
  });

  it('finds a needle that straddles two decoded chunks', async () => {
    // zlib hands decoded output out in 16 KiB pieces: put the needle across the first boundary.
    const text = Buffer.concat([Buffer.alloc(16 * 1024 - 3, 'a'), Buffer.from('STRADDLE'), Buffer.alloc(40_000, 'b')]);
    const server = await start(startHttpServer({ '/s': encoded(gzipSync(text), 'gzip') }));
    const r = await one(
      { url: `${server.url}/s`, expect: { bodyIncludes: 'STRADDLE' } },
      { compressed: true, timeout: 5000 },
    );
    expect(r).toMatchObject({ ok: true, decodedBytes: text.length });
  });

  it('reuses the connection after a decoded response, and holds at concurrency 100', async () => {
    const server = await start(startHttpServer(routes));
    const paths = ['/gzip', '/deflate', '/deflate-raw', '/br', '/plain'];
    const urls = Array.from({ length: 400 }, (_, i) => `${server.url}${paths[i % paths.length]}`);
    const results = byIndex(await run(urls, { compressed: true, concurrency: 100, perHost: 20, timeout: 20_000 }));
    expect(results.filter((r) => !r.ok).map((r) => r.error)).toEqual([]);
    for (const [i, r] of results.entries()) {
      expect(r.decodedBytes).toBe(i % paths.length === 4 ? null : Buffer.byteLength(TEXT));
    }
    expect(results.filter((r) => r.reused).length).toBeGreaterThanOrEqual(380);
  });
});

describe('contentCodings', () => {
  const h = (...values: string[]): string[] => values.flatMap((v) => ['content-encoding', v]);
  it.each([
    [[], null],
    [h('identity'), null],
    [h('gzip'), ['gzip']],
    [h('X-GZIP'), ['gzip']],
    [h('deflate, gzip'), ['gzip', 'deflate']],
    [h('gzip', 'br'), ['br', 'gzip']],
    [h(' gzip ,, identity , br '), ['br', 'gzip']],
    [h('gzip, compress'), null],
    [h('gzip, gzip, gzip, gzip, gzip'), null],
    [['content-type', 'gzip'], null],
  ])('%j → %j', (headers, codings) => {
    expect(contentCodings(headers)).toEqual(codings);
  });

  it('tells a zlib header from raw deflate by the first two bytes (RFC 1950 §2.2)', () => {
    const zlib = deflateSync('x');
    expect(isZlibHeader(zlib[0]!, zlib[1]!)).toBe(true);
    const raw = deflateRawSync('x');
    expect(isZlibHeader(raw[0]!, raw[1]!)).toBe(false);
    for (const level of [1, 6, 9]) {
      const z = deflateSync(TEXT, { level });
      const r = deflateRawSync(TEXT, { level });
      expect(isZlibHeader(z[0]!, z[1]!)).toBe(true);
      expect(isZlibHeader(r[0]!, r[1]!)).toBe(false);
    }
  });
});
