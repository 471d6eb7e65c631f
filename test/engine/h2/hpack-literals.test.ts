/**
 * The decoder's cache of repeated string literals (hpack-literals.ts): a hit must be exactly what
 * decoding would give — same octets AND same Huffman bit — whatever collides in its slots.
 */
import { describe, expect, it } from 'vitest';
import { HpackDecoder } from '../../../src/engine/h2/hpack.js';
import { huffmanEncode } from '../../../src/engine/h2/hpack-huffman.js';
import { LiteralCache, MAX_OCTETS } from '../../../src/engine/h2/hpack-literals.js';

/** §6.2.2 literal without indexing, new name: 0x00, name string, value string. */
function literalField(name: Buffer, nameHuffman: boolean, value: Buffer, valueHuffman: boolean): Buffer {
  return Buffer.concat([
    Buffer.from([0x00, (nameHuffman ? 0x80 : 0) | name.length]),
    name,
    Buffer.from([(valueHuffman ? 0x80 : 0) | value.length]),
    value,
  ]);
}

function huffman(s: string): Buffer {
  const out = Buffer.alloc(s.length * 4);
  return out.subarray(0, huffmanEncode(s, out, 0));
}

function decode(decoder: HpackDecoder, block: Buffer): string[] {
  decoder.begin(64 * 1024);
  decoder.push(block);
  return decoder.end().fields;
}

describe('HPACK literal cache', () => {
  it('gives the same fields for a repeated block, Huffman and raw literals alike', () => {
    const decoder = new HpackDecoder();
    const block = Buffer.concat([
      literalField(Buffer.from('x-raw'), false, Buffer.from('1024'), false),
      literalField(huffman('server'), true, huffman('nginx/1.22.1'), true),
    ]);
    const first = decode(decoder, block);
    expect(first).toEqual(['x-raw', '1024', 'server', 'nginx/1.22.1']);
    for (let i = 0; i < 3; i++) expect(decode(decoder, block)).toEqual(first);
  });

  it('tells a raw literal from a Huffman one with the same octets', () => {
    const decoder = new HpackDecoder();
    const octets = huffman('nginx');
    const asHuffman = decode(decoder, literalField(Buffer.from('a'), false, octets, true));
    const asRaw = decode(decoder, literalField(Buffer.from('a'), false, octets, false));
    expect(asHuffman).toEqual(['a', 'nginx']);
    expect(asRaw).toEqual(['a', octets.toString('latin1')]);
    // And back: the Huffman reading was not replaced by the raw one's.
    expect(decode(decoder, literalField(Buffer.from('a'), false, octets, true))).toEqual(['a', 'nginx']);
  });

  it('decodes every distinct literal right when many share slots', () => {
    const decoder = new HpackDecoder();
    // All of one length, more than there are slots: some must share a slot (pigeonhole).
    const values = Array.from({ length: 200 }, (_, i) => `value-${String(i).padStart(3, '0')}`);
    for (let round = 0; round < 2; round++) {
      for (const v of values) {
        const expected = ['n', v];
        expect(decode(decoder, literalField(Buffer.from('n'), false, Buffer.from(v), false))).toEqual(expected);
        expect(decode(decoder, literalField(Buffer.from('n'), false, huffman(v), true))).toEqual(expected);
      }
    }
  });

  it('a literal that fails to decode is never cached: the same octets fail again', () => {
    const decoder = new HpackDecoder();
    // 0xff 0xff 0xff 0xff: the EOS code (30 ones), which a Huffman string must not contain.
    const bad = literalField(Buffer.from('a'), false, Buffer.from([0xff, 0xff, 0xff, 0xff]), true);
    // The session ends the connection on the first failure; the decoder itself starts over on begin().
    for (let i = 0; i < 2; i++) {
      decoder.begin(64 * 1024);
      expect(() => decoder.push(bad)).toThrow(/EOS/);
    }
  });

  it('caches by exact octets: a miss, a hit, a different key in the same slot', () => {
    const cache = new LiteralCache();
    const a = Buffer.from('xxabcxx');
    expect(cache.get(a, 2, 3, false)).toBeNull();
    cache.set(a, 2, 3, false, 'abc');
    expect(cache.get(Buffer.from('abc'), 0, 3, false)).toBe('abc');
    expect(cache.get(Buffer.from('abc'), 0, 3, true)).toBeNull();
    expect(cache.get(Buffer.from('abd'), 0, 3, false)).toBeNull();
    expect(cache.get(Buffer.from('ab'), 0, 2, false)).toBeNull();
    const long = Buffer.alloc(MAX_OCTETS, 0x61);
    cache.get(long, 0, MAX_OCTETS, false);
    cache.set(long, 0, MAX_OCTETS, false, 'a'.repeat(MAX_OCTETS));
    expect(cache.get(Buffer.alloc(MAX_OCTETS, 0x61), 0, MAX_OCTETS, false)).toBe('a'.repeat(MAX_OCTETS));
  });
});
