import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HpackError } from '../../../src/engine/h2/hpack-error.js';
import {
  HUFFMAN_CODES,
  HUFFMAN_LENGTHS,
  HuffmanStream,
  huffmanDecode,
  huffmanEncode,
  huffmanEncodedLength,
} from '../../../src/engine/h2/hpack-huffman.js';

function encode(s: string): Buffer {
  const out = Buffer.alloc(huffmanEncodedLength(s));
  const end = huffmanEncode(s, out, 0);
  expect(end).toBe(out.length);
  return out;
}
function decode(bytes: Buffer): string {
  const out = Buffer.alloc(Math.ceil((bytes.length * 8) / 5));
  const n = huffmanDecode(bytes, 0, bytes.length, out, 0);
  return out.toString('latin1', 0, n);
}
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('Appendix B table', () => {
  it('has 257 codes, and they are the canonical code of their lengths (catches a mistyped row)', () => {
    expect(HUFFMAN_CODES).toHaveLength(257);
    expect(HUFFMAN_LENGTHS).toHaveLength(257);
    // Appendix B: a canonical Huffman code — sorted by (length, symbol), each code is the previous
    // plus one, shifted left by the growth in length.
    const order = [...HUFFMAN_LENGTHS.keys()].sort((a, b) => HUFFMAN_LENGTHS[a]! - HUFFMAN_LENGTHS[b]! || a - b);
    let code = 0;
    let prevLen = HUFFMAN_LENGTHS[order[0]!]!;
    order.forEach((sym, i) => {
      const len = HUFFMAN_LENGTHS[sym]!;
      if (i > 0) code = (code + 1) * 2 ** (len - prevLen);
      prevLen = len;
      expect(HUFFMAN_CODES[sym], `symbol ${sym}`).toBe(code);
    });
    // The last code (EOS) is all ones: the code is complete.
    expect(code).toBe(2 ** 30 - 1);
  });
});

describe('Huffman encode/decode against Appendix C', () => {
  const cases: Array<[string, string]> = [
    ['www.example.com', 'f1e3 c2e5 f23a 6ba0 ab90 f4ff'],
    ['no-cache', 'a8eb 1064 9cbf'],
    ['custom-key', '25a8 49e9 5ba9 7d7f'],
    ['custom-value', '25a8 49e9 5bb8 e8b4 bf'],
    ['302', '6402'],
    ['307', '640e ff'],
    ['private', 'aec3 771a 4b'],
    ['Mon, 21 Oct 2013 20:13:21 GMT', 'd07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff'],
    ['https://www.example.com', '9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3'],
    ['gzip', '9bd9 ab'],
    [
      'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1',
      '94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07',
    ],
  ];
  for (const [text, coded] of cases) {
    it(`"${text}"`, () => {
      expect(encode(text).toString('hex')).toBe(hex(coded).toString('hex'));
      expect(decode(hex(coded))).toBe(text);
    });
  }
  it('decodes the empty string', () => {
    expect(decode(Buffer.alloc(0))).toBe('');
  });
});

describe('Huffman round trip', () => {
  it('every octet 0–255, alone and in random strings', () => {
    for (let b = 0; b < 256; b++) {
      const s = String.fromCharCode(b);
      expect(decode(encode(s))).toBe(s);
    }
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 200 }), (codes) => {
        const s = String.fromCharCode(...codes);
        expect(decode(encode(s))).toBe(s);
      }),
      { numRuns: 500 },
    );
  });
  it('HuffmanStream fed in pieces gives the same octets and counts without storing', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 100 }),
        fc.array(fc.nat(), { maxLength: 5 }),
        (codes, cuts) => {
          const s = String.fromCharCode(...codes);
          const bytes = encode(s);
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const stream = new HuffmanStream();
          const counter = new HuffmanStream();
          const out = Buffer.alloc(bytes.length * 2);
          let from = 0;
          for (const at of [...points, bytes.length]) {
            stream.push(bytes, from, at, out, out.length);
            counter.push(bytes, from, at, null, 0);
            from = at;
          }
          stream.finish();
          counter.finish();
          expect(out.toString('latin1', 0, stream.length)).toBe(s);
          expect(counter.length).toBe(s.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('Huffman decoding errors (§5.2)', () => {
  it('EOS inside the string', () => {
    expect(() => decode(hex('ffff ffff'))).toThrow(HpackError);
    // 'a' (00011) then EOS (30 ones) then padding.
    const withEos = hex('1fff ffff ff');
    expect(() => decode(withEos)).toThrow(/EOS/);
  });
  it('padding longer than 7 bits', () => {
    expect(() => decode(hex('ff'))).toThrow(/padding/);
    // 'a' then 11 + a whole octet of ones: 10 bits of padding.
    expect(() => decode(hex('1fff'))).toThrow(/padding/);
  });
  it('padding that is not all ones', () => {
    // 'a' (00011) then 000.
    expect(() => decode(hex('18'))).toThrow(/padding/);
    // 'a' then 110.
    expect(() => decode(hex('1e'))).toThrow(/padding/);
    // 'a' then 111: fine.
    expect(decode(hex('1f'))).toBe('a');
  });
  it('HuffmanStream finds the same errors', () => {
    const s = new HuffmanStream();
    s.push(hex('18'), 0, 1, null, 0);
    expect(() => s.finish()).toThrow(HpackError);
    s.reset();
    expect(() => s.push(hex('ffffffff'), 0, 4, null, 0)).toThrow(/EOS/);
  });
});
