/**
 * Interop with node's HPACK (nghttp2), both ways: a `node:http2` server on 127.0.0.1 decodes the
 * header blocks OUR encoder wrote, and OUR decoder reads the blocks nghttp2's encoder wrote —
 * over several streams on one connection, so both dynamic tables carry state between blocks.
 */
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HpackDecoder, HpackEncoder } from '../../../src/engine/h2/hpack.js';
import { connectRaw, headersFrames, type RawH2, SETTING } from '../../helpers/h2-raw.js';

interface Seen {
  raw: string[];
  sensitive: string[];
}

interface Server {
  port: number;
  seen: Seen[];
  close(): Promise<void>;
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Answers stream n with `respond(n, headers)`: headers only, END_STREAM. */
async function startServer(
  respond: (n: number) => http2.OutgoingHttpHeaders,
  settings: http2.Settings = {},
): Promise<Server> {
  const server = http2.createServer({ settings });
  const seen: Seen[] = [];
  // Node passes the fields as received (rawHeaders) as a 4th argument its typings do not declare.
  server.on('stream', (stream, headers, _flags, ...rest: unknown[]) => {
    const rawHeaders = rest[0] as string[];
    // Fields that arrived never-indexed (§6.2.3) are listed under this symbol.
    const sensitive = (headers as Record<symbol, string[] | undefined>)[http2.sensitiveHeaders] ?? [];
    seen.push({ raw: rawHeaders, sensitive: [...sensitive] });
    stream.respond(respond(seen.length), { endStream: true });
  });
  server.on('session', (session) => session.on('error', () => {}));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const result: Server = {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  cleanups.push(() => result.close());
  return result;
}

async function connect(port: number, settings: Array<[number, number]>): Promise<RawH2> {
  const conn = await connectRaw(port, settings);
  cleanups.push(() => conn.close());
  return conn;
}

/** Sends `fields` on `stream` and returns the response header block decoded by ours. */
async function exchange(
  conn: RawH2,
  enc: HpackEncoder,
  dec: HpackDecoder,
  stream: number,
  fields: string[],
  maxListBytes = 1 << 20,
) {
  conn.send(headersFrames(stream, enc.encode(fields)));
  const fragments = await conn.headerBlock(stream);
  dec.begin(maxListBytes);
  for (const f of fragments) dec.push(f);
  lastWire = Buffer.concat(fragments);
  return dec.end();
}
/** The response header block `exchange` last decoded, as it came off the wire. */
let lastWire = Buffer.alloc(0);

/** The UTF-8 octets of each string, read back as latin1 (how node hands out field octets). */
const asLatin1 = (flat: string[]): string[] => flat.map((s) => Buffer.from(s, 'utf8').toString('latin1'));

const pairs = (flat: string[]): Array<[string, string]> => {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
};

function requestFields(port: number, i: number): string[] {
  return [
    ':method',
    i % 3 === 2 ? 'POST' : 'GET',
    ':scheme',
    'http',
    ':authority',
    `127.0.0.1:${port}`,
    ':path',
    `/item/${i}?q=${'z'.repeat(i)}`,
    'user-agent',
    'fetch-many/0.1.0 (interop)',
    'accept',
    '*/*',
    'accept-encoding',
    'gzip, deflate, br',
    'x-utf8',
    'caf\u00e9 \u00ff \u65e5\u672c \u{1f600}',
    'x-counter',
    String(i),
    'authorization',
    'Bearer secret-token',
    'cookie',
    `session=${i}`,
  ];
}

function responseHeaders(n: number): http2.OutgoingHttpHeaders {
  const headers: http2.OutgoingHttpHeaders = {
    ':status': n % 2 === 0 ? 200 : 404,
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'private, max-age=0',
    server: 'nghttp2-interop',
    'x-repeat': 'the same long value on every response so it gets indexed',
    'x-changing': `value-${n}`,
    'set-cookie': [`a=${n}; Path=/`, 'b=2; HttpOnly'],
  };
  for (let i = 0; i < 30; i++) headers[`x-h${i}`] = `v${i}-${i % 5 === 0 ? n : 'fixed'}`;
  return headers;
}

/** What the response block must contain (node adds `date`, which we check separately). */
function expectedResponse(n: number): Array<[string, string]> {
  const h = responseHeaders(n);
  const out: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(h)) {
    for (const v of Array.isArray(value) ? value : [value]) out.push([name, String(v)]);
  }
  return out;
}

describe('HPACK interop with node:http2 (nghttp2)', () => {
  it('the server decodes our blocks and we decode its blocks, over 12 streams on one connection', async () => {
    const server = await startServer(responseHeaders);
    const conn = await connect(server.port, [[SETTING.ENABLE_PUSH, 0]]);
    const enc = new HpackEncoder();
    const dec = new HpackDecoder();
    const wireSizes: number[] = [];
    for (let i = 1; i <= 12; i++) {
      const sent = requestFields(server.port, i);
      const block = await exchange(conn, enc, dec, 2 * i - 1, sent);
      wireSizes.push(lastWire.length);
      // The server saw exactly our list, in order (node puts nothing of its own in rawHeaders);
      // node hands field octets out as latin1, and ours are UTF-8.
      expect(pairs(server.seen[i - 1]!.raw)).toEqual(pairs(asLatin1(sent)));
      // never-indexed reached nghttp2 as such: node reports those fields as sensitive.
      expect(server.seen[i - 1]!.sensitive.sort()).toEqual(['authorization', 'cookie']);
      const got = pairs(block.fields).filter(([name]) => name !== 'date');
      expect(got).toEqual(expectedResponse(i));
      expect(block.fields).toContain('date');
      expect(block.tooLarge).toBe(false);
    }
    // nghttp2 indexed its repeated fields: our table holds them, and later blocks are mostly indexes.
    expect(dec.dynamicTable().some(([name]) => name === 'x-repeat')).toBe(true);
    expect(wireSizes[11]!).toBeLessThan(wireSizes[0]! / 3);
  });

  it('with a small table we advertise (256): nghttp2 sends size updates and evicts, we stay in step', async () => {
    const server = await startServer(responseHeaders);
    const conn = await connect(server.port, [
      [SETTING.ENABLE_PUSH, 0],
      [SETTING.HEADER_TABLE_SIZE, 256],
    ]);
    const enc = new HpackEncoder();
    const dec = new HpackDecoder(256);
    for (let i = 1; i <= 6; i++) {
      const block = await exchange(conn, enc, dec, 2 * i - 1, requestFields(server.port, i));
      // nghttp2 starts its first block with a size update to our 256 (31 + 97 + 1·128).
      if (i === 1) expect(lastWire.subarray(0, 3)).toEqual(Buffer.from([0x3f, 0xe1, 0x01]));
      expect(pairs(block.fields).filter(([name]) => name !== 'date')).toEqual(expectedResponse(i));
      expect(dec.dynamicTableSize).toBeLessThanOrEqual(256);
    }
  });

  it.each([0, 100, 512])(
    'the server advertises SETTINGS_HEADER_TABLE_SIZE %i: our encoder follows it',
    async (size) => {
      const server = await startServer(responseHeaders, { headerTableSize: size });
      const conn = await connect(server.port, [[SETTING.ENABLE_PUSH, 0]]);
      expect(conn.serverSettings.get(SETTING.HEADER_TABLE_SIZE)).toBe(size);
      const enc = new HpackEncoder();
      enc.setPeerTableSize(size);
      const dec = new HpackDecoder();
      for (let i = 1; i <= 6; i++) {
        const sent = requestFields(server.port, i);
        const block = await exchange(conn, enc, dec, 2 * i - 1, sent);
        expect(pairs(server.seen[i - 1]!.raw)).toEqual(pairs(asLatin1(sent)));
        expect(block.tooLarge).toBe(false);
      }
    },
  );

  it('a response list over our cap is tooLarge, and the next response on the connection decodes', async () => {
    const server = await startServer(responseHeaders);
    const conn = await connect(server.port, [[SETTING.ENABLE_PUSH, 0]]);
    const enc = new HpackEncoder();
    const dec = new HpackDecoder();
    const capped = await exchange(conn, enc, dec, 1, requestFields(server.port, 1), 300);
    expect(capped).toMatchObject({ fields: [], tooLarge: true });
    expect(capped.size).toBeGreaterThan(300);
    for (let i = 2; i <= 4; i++) {
      const block = await exchange(conn, enc, dec, 2 * i - 1, requestFields(server.port, i));
      expect(pairs(block.fields).filter(([name]) => name !== 'date')).toEqual(expectedResponse(i));
    }
  });

  it('a request block larger than one frame (HEADERS + CONTINUATION) reaches the server intact', async () => {
    const server = await startServer(() => ({ ':status': 204 }), { maxHeaderListSize: 1 << 20 });
    const conn = await connect(server.port, [[SETTING.ENABLE_PUSH, 0]]);
    const enc = new HpackEncoder();
    const dec = new HpackDecoder();
    const sent = [...requestFields(server.port, 1)];
    for (let i = 0; i < 8; i++) sent.push(`x-long-${i}`, String(i).repeat(5000));
    const block = await exchange(conn, enc, dec, 1, sent);
    expect(pairs(server.seen[0]!.raw)).toEqual(pairs(asLatin1(sent)));
    expect(block.fields.slice(0, 2)).toEqual([':status', '204']);
  });
});
