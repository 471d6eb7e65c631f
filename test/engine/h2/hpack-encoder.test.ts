/**
 * The encoder's choices (static match, dynamic index, which literal) and table size changes,
 * checked on the bytes and through our decoder.
 */
import { describe, expect, it } from 'vitest';
import { HpackDecoder, HpackEncoder } from '../../../src/engine/h2/hpack.js';

function roundTrip(enc: HpackEncoder, dec: HpackDecoder, fields: string[]): Buffer {
  const bytes = enc.encode(fields);
  dec.begin(1 << 20);
  dec.push(bytes);
  expect(dec.end().fields).toEqual(fields);
  return bytes;
}

const request = [
  ':method',
  'GET',
  ':scheme',
  'https',
  ':authority',
  'example.com',
  ':path',
  '/a',
  'user-agent',
  'fetch-many/0.1.0',
  'accept',
  '*/*',
  'accept-encoding',
  'gzip, deflate, br',
];

describe('HpackEncoder', () => {
  it('uses the static table, then indexes what repeats: the second request is one octet per field but :path', () => {
    const enc = new HpackEncoder();
    const dec = new HpackDecoder();
    const first = roundTrip(enc, dec, request);
    expect(first.subarray(0, 3)).toEqual(Buffer.from([0x82, 0x87, 0x41])); // GET, https, :authority literal indexed
    expect(dec.dynamicTable().map(([n]) => n)).toEqual(['accept-encoding', 'accept', 'user-agent', ':authority']);
    const second = roundTrip(enc, dec, [...request.slice(0, 7), '/b', ...request.slice(8)]);
    // GET https, :authority = 65, :path literal (3 + 2), user-agent 64, accept 63, accept-encoding 62.
    expect(second).toEqual(Buffer.from([0x82, 0x87, 0xc1, 0x04, 0x02, 0x2f, 0x62, 0xc0, 0xbf, 0xbe]));
  });
  it('sends :path as a raw literal without indexing, and "/" from the static table', () => {
    const enc = new HpackEncoder();
    const dec = new HpackDecoder();
    expect(roundTrip(enc, dec, [':path', '/x?y=1'])).toEqual(Buffer.from([0x04, 0x06, ...Buffer.from('/x?y=1')]));
    expect(roundTrip(enc, dec, [':path', '/'])).toEqual(Buffer.from([0x84]));
    expect(roundTrip(enc, dec, ['content-length', '12'])[0]).toBe(0x0f); // name index 28 = 15 + 13
    expect(dec.dynamicTable()).toEqual([]);
  });
  it('never indexes authorization, proxy-authorization and cookie (§7.1.3), every time', () => {
    const enc = new HpackEncoder();
    const dec = new HpackDecoder();
    const secrets = ['authorization', 'Basic dTpw', 'proxy-authorization', 'Basic cDpx', 'cookie', 'a=1'];
    for (let i = 0; i < 2; i++) {
      const bytes = roundTrip(enc, dec, secrets);
      // 0001 pattern with 4-bit name index: 23 = 15 + 8, 49 = 15 + 34, 32 = 15 + 17; raw values.
      expect(bytes).toEqual(
        Buffer.concat([
          Buffer.from([0x1f, 0x08, 10]),
          Buffer.from('Basic dTpw'),
          Buffer.from([0x1f, 0x22, 10]),
          Buffer.from('Basic cDpx'),
          Buffer.from([0x1f, 0x11, 3]),
          Buffer.from('a=1'),
        ]),
      );
    }
    expect(dec.dynamicTable()).toEqual([]);
  });
  it('Huffman-codes indexed literals when shorter, with a literal name for unknown headers', () => {
    const enc = new HpackEncoder();
    const dec = new HpackDecoder();
    const bytes = roundTrip(enc, dec, ['x-custom', 'hello world']);
    expect(bytes[0]).toBe(0x40);
    expect(bytes[1]! & 0x80).toBe(0x80); // Huffman name
    expect(bytes.length).toBeLessThan(2 + 8 + 1 + 11);
    // ASCII whose codes are longer than 8 bits stays raw.
    const raw = roundTrip(enc, dec, ['x-sym', '{}<>']);
    expect(raw.subarray(raw.length - 5)).toEqual(Buffer.from([4, ...Buffer.from('{}<>')]));
  });
  it('sends values as UTF-8 (as HTTP/1.1 requests do), raw, with entry sizes in octets', () => {
    const enc = new HpackEncoder();
    const dec = new HpackDecoder();
    const value = 'caf\u00e9 \u65e5\u672c \u{1f600}';
    const utf8 = Buffer.from(value, 'utf8');
    const bytes = enc.encode(['x-name', value]);
    expect(bytes.subarray(bytes.length - utf8.length)).toEqual(utf8);
    expect(bytes[bytes.length - utf8.length - 1]).toBe(utf8.length); // raw, octet length
    dec.begin(1 << 20);
    dec.push(bytes);
    // Our decoder hands out octets as latin1, like the HTTP/1 parser.
    expect(dec.end().fields).toEqual(['x-name', utf8.toString('latin1')]);
    expect(dec.dynamicTable()).toEqual([['x-name', utf8.toString('latin1'), 6 + utf8.length + 32]]);
    // Long values (past the one-octet length) too, and the second time it is an index.
    const long = '\u00e9'.repeat(200);
    const longBytes = enc.encode(['x-long', long]);
    expect(longBytes.subarray(longBytes.length - 400)).toEqual(Buffer.from(long, 'utf8'));
    expect(enc.encode(['x-name', value, 'x-long', long])).toEqual(Buffer.from([0xbf, 0xbe]));
  });
  it('evicts the oldest entries as the table fills, in step with the decoder', () => {
    const enc = new HpackEncoder();
    const dec = new HpackDecoder();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 300; i++) roundTrip(enc, dec, [`x-h${i % 150}`, `value-${i}`, 'accept', '*/*']);
    }
    expect(dec.dynamicTableSize).toBeLessThanOrEqual(4096);
  });
  it('gives its buffer back after a huge block', () => {
    const enc = new HpackEncoder();
    const dec = new HpackDecoder();
    roundTrip(enc, dec, ['cookie', 'c'.repeat(200_000)]);
    expect((enc as unknown as { buf: Buffer }).buf.length).toBeLessThanOrEqual(64 * 1024);
    roundTrip(enc, dec, request);
  });
  it('sends a field over half the table without indexing', () => {
    const enc = new HpackEncoder();
    const dec = new HpackDecoder();
    const bytes = roundTrip(enc, dec, ['x-big', 'v'.repeat(3000)]);
    expect(bytes[0]).toBe(0x00);
    expect(dec.dynamicTable()).toEqual([]);
  });
});

describe('HpackEncoder.setPeerTableSize', () => {
  it('0: the next block starts with a size update to 0 and nothing is indexed afterwards', () => {
    const enc = new HpackEncoder();
    const dec = new HpackDecoder();
    roundTrip(enc, dec, request);
    enc.setPeerTableSize(0);
    const bytes = roundTrip(enc, dec, request);
    expect(bytes[0]).toBe(0x20);
    expect(dec.dynamicTable()).toEqual([]);
    const again = roundTrip(enc, dec, request);
    expect(again[0]).toBe(0x82);
    expect(dec.dynamicTable()).toEqual([]);
  });
  it('signals the smallest size then the final one when it changed twice between blocks (§4.2)', () => {
    const enc = new HpackEncoder();
    const dec = new HpackDecoder();
    roundTrip(enc, dec, request);
    enc.setPeerTableSize(100);
    enc.setPeerTableSize(65536);
    const bytes = roundTrip(enc, dec, request);
    // 100 = 31 + 69; then 4096 (our wish caps the peer's 65536) = 31 + 97 + 31·128.
    expect(bytes.subarray(0, 5)).toEqual(Buffer.from([0x3f, 0x45, 0x3f, 0xe1, 0x1f]));
    expect(dec.dynamicTableSize).toBeGreaterThan(0);
  });
  it('a smaller size evicts on both sides and later references stay right', () => {
    const enc = new HpackEncoder();
    const dec = new HpackDecoder();
    roundTrip(enc, dec, request);
    enc.setPeerTableSize(128);
    const bytes = roundTrip(enc, dec, request);
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0x3f, 0x61, 0x82])); // 128 = 31 + 97
    expect(dec.dynamicTableSize).toBeLessThanOrEqual(128);
    roundTrip(enc, dec, request);
  });
  it('refuses a size that is no SETTINGS value', () => {
    const enc = new HpackEncoder();
    for (const bad of [-1, 0.5, Number.NaN]) expect(() => enc.setPeerTableSize(bad)).toThrow(RangeError);
    expect(enc.encode([':method', 'GET'])).toEqual(Buffer.from([0x82]));
  });
  it('the same size as before sends no update', () => {
    const enc = new HpackEncoder();
    enc.setPeerTableSize(4096);
    expect(enc.encode([':method', 'GET'])).toEqual(Buffer.from([0x82]));
    enc.setPeerTableSize(1 << 20);
    expect(enc.encode([':method', 'GET'])).toEqual(Buffer.from([0x82]));
  });
});
