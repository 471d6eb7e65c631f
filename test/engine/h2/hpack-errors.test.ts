/**
 * Every way a header block can be malformed, and the bounds on what a server can make us hold.
 */
import { describe, expect, it } from 'vitest';
import { type DecodedBlock, HpackDecoder, HpackEncoder, HpackError } from '../../../src/engine/h2/hpack.js';
import { huffmanEncode, huffmanEncodedLength } from '../../../src/engine/h2/hpack-huffman.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function decodeBlock(decoder: HpackDecoder, bytes: Buffer, maxListBytes = 16384, oneByteAtATime = false): DecodedBlock {
  decoder.begin(maxListBytes);
  if (oneByteAtATime) for (let i = 0; i < bytes.length; i++) decoder.push(bytes.subarray(i, i + 1));
  else decoder.push(bytes);
  return decoder.end();
}
function fails(bytes: string, pattern: RegExp, maxTableSize = 4096): void {
  for (const oneByte of [false, true]) {
    const decoder = new HpackDecoder(maxTableSize);
    let error: unknown;
    try {
      decodeBlock(decoder, hex(bytes), 16384, oneByte);
    } catch (err) {
      error = err;
    }
    expect(error, `${bytes} (one octet at a time: ${oneByte})`).toBeInstanceOf(HpackError);
    expect((error as HpackError).code).toBe('compression');
    expect((error as HpackError).message).toMatch(pattern);
  }
}

/** 2-octet-prefixed raw string literal. */
function rawString(s: string): Buffer {
  return Buffer.concat([lengthPrefix(s.length, 0x00), Buffer.from(s, 'latin1')]);
}
function huffString(s: string): Buffer {
  const body = Buffer.alloc(huffmanEncodedLength(s));
  huffmanEncode(s, body, 0);
  return Buffer.concat([lengthPrefix(body.length, 0x80), body]);
}
/** §5.1 integer with a 7-bit prefix. */
function lengthPrefix(n: number, h: number): Buffer {
  if (n < 127) return Buffer.from([h | n]);
  const out = [h | 127];
  let rest = n - 127;
  while (rest >= 128) {
    out.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return Buffer.from(out);
}
const pairsOf = (flat: string[]): Array<[string, string]> =>
  flat.flatMap((_, i) => (i % 2 === 0 ? [[flat[i]!, flat[i + 1]!] as [string, string]] : []));
/** Literal with incremental indexing, new name. */
const indexed = (name: string, value: Buffer | string): Buffer =>
  Buffer.concat([Buffer.from([0x40]), rawString(name), typeof value === 'string' ? rawString(value) : value]);

describe('malformed blocks → HpackError (code compression)', () => {
  it('index 0', () => fails('80', /index 0/));
  it('index past the end of the table', () => {
    fails('be', /past the end/); // 62 with an empty dynamic table
    fails('ff 00', /past the end/); // 127
  });
  it('name index past the end of the table', () => {
    fails('7e 00', /name index 62/); // incremental indexing, 6-bit prefix
    fails('0f 2f 00', /name index 62/); // without indexing, 4-bit prefix: 15 + 47
    fails('1f 2f 00', /name index 62/); // never indexed
  });
  it('integer over 2^31 - 1', () => fails('ff ff ff ff ff 0f', /2\^31/));
  it('integer with more than 10 continuation octets', () => fails(`ff ${'80 '.repeat(11)} 00`, /continuation/));
  it('EOS in a Huffman string', () => fails('04 84 ffff ffff', /EOS/));
  it('Huffman padding longer than 7 bits, or not all ones', () => {
    fails('04 82 1fff', /padding/);
    fails('04 81 18', /padding/);
  });
  it('size update above the size we allow', () => {
    fails('3f e2 1f', /4097.*4096/); // 31 + 98 + 31·128 = 4097
    fails('3f 02', /33.*32/, 32);
  });
  it('size update after a field', () => fails('82 20', /after a field/));
  it('a block cut off inside a representation', () => {
    fails('82 41', /ends inside/); // name index read, value missing
    fails('41 0f 77', /ends inside/); // value cut
    fails('3f', /ends inside/); // integer cut
    fails('40 05 61', /ends inside/); // literal name cut
  });
});

describe('well-formed edge cases', () => {
  it('size updates at the start of a block, even two, then fields', () => {
    const decoder = new HpackDecoder();
    decodeBlock(decoder, indexed('x-a', '1'));
    expect(decoder.dynamicTableSize).toBe(36);
    const block = decodeBlock(decoder, hex('20 3f e1 1f 82'));
    expect(block.fields).toEqual([':method', 'GET']);
    // The update to 0 emptied the table (§4.3).
    expect(decoder.dynamicTable()).toEqual([]);
  });
  it('a size update lowers the table and evicts the oldest', () => {
    const decoder = new HpackDecoder();
    decodeBlock(decoder, Buffer.concat([indexed('x-a', '1'), indexed('x-b', '2')]));
    decodeBlock(decoder, hex('3f 16')); // 31 + 22 = 53: room for one 36-octet entry
    expect(decoder.dynamicTable()).toEqual([['x-b', '2', 36]]);
  });
  it('an entry larger than the table empties it and is not added (§4.4)', () => {
    const decoder = new HpackDecoder(100);
    decodeBlock(decoder, indexed('x-a', '1'));
    const block = decodeBlock(decoder, indexed('x-big', 'v'.repeat(100)));
    expect(block.fields).toEqual(['x-big', 'v'.repeat(100)]);
    expect(decoder.dynamicTable()).toEqual([]);
  });
  it('a large table grows as it fills, and every index still finds its entry', () => {
    const decoder = new HpackDecoder(1 << 20);
    const fields: string[] = [];
    for (let i = 0; i < 1000; i++) fields.push(`x-${i}`, `value ${i}`);
    decodeBlock(decoder, Buffer.concat(pairsOf(fields).map(([n, v]) => indexed(n, v))), 1 << 20);
    expect(decoder.dynamicTable()).toHaveLength(1000);
    // Index 62 + k is the k-th newest: refer to all of them, oldest first.
    const refs: Buffer[] = [];
    for (let k = 999; k >= 0; k--) refs.push(lengthPrefix(62 + k, 0x80)); // §6.1: 1xxxxxxx, 7-bit prefix
    expect(decodeBlock(decoder, Buffer.concat(refs), 1 << 20).fields).toEqual(fields);
  });
  it('refuses a table size that is no SETTINGS value', () => {
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 32]) expect(() => new HpackDecoder(bad)).toThrow(RangeError);
    expect(new HpackDecoder(2 ** 32 - 1).maxTableSize).toBe(2 ** 32 - 1);
  });
  it('a zero table size keeps nothing', () => {
    const decoder = new HpackDecoder(0);
    const block = decodeBlock(decoder, indexed('x-a', '1'));
    expect(block.fields).toEqual(['x-a', '1']);
    expect(decoder.dynamicTable()).toEqual([]);
    fails('be', /past the end/, 0);
  });
  it('empty names and values, and octets 0x80–0xff kept as latin1', () => {
    const decoder = new HpackDecoder();
    const value = '\u00e9\u00ff\u0080 ok';
    const block = decodeBlock(
      decoder,
      Buffer.concat([indexed('', ''), Buffer.from([0x00]), rawString('x-h'), huffString(value)]),
    );
    expect(block.fields).toEqual(['', '', 'x-h', value]);
    expect(block.size).toBe(32 + 3 + value.length + 32);
    expect(value.length).toBe(6);
  });
});

describe('bounds: oversize literals and lists', () => {
  it('a literal over maxListBytes + 64 is skipped as it arrives, the block is tooLarge, the table stays in step', () => {
    const big = 'v'.repeat(2000);
    const block1 = Buffer.concat([indexed('x-a', '1'), indexed('x-big', big), indexed('x-b', '2')]);
    for (const oneByte of [false, true]) {
      const capped = new HpackDecoder();
      const reference = new HpackDecoder();
      const r1 = decodeBlock(capped, block1, 1000, oneByte);
      expect(r1).toEqual({ fields: [], size: 36 + 2037 + 36, tooLarge: true });
      expect(decodeBlock(reference, block1, 1 << 20).tooLarge).toBe(false);
      // Same sizes and order as a decoder that kept everything; the skipped value is not held.
      expect(capped.dynamicTable().map(([n, , s]) => [n, s])).toEqual(
        reference.dynamicTable().map(([n, , s]) => [n, s]),
      );
      expect(capped.dynamicTable()[1]).toEqual(['x-big', '', 2037]);
      // Never buffered more than the cap allows.
      expect((capped as unknown as { scratch: Buffer }).scratch.length).toBeLessThanOrEqual(1064);
      // The next block decodes: index 62 = x-b, 64 = x-a; 63 (the skipped one) makes it tooLarge.
      expect(decodeBlock(capped, hex('82 be c0'), 1000)).toEqual({
        fields: [':method', 'GET', 'x-b', '2', 'x-a', '1'],
        size: 42 + 36 + 36,
        tooLarge: false,
      });
      expect(decodeBlock(capped, hex('be bf'), 1000)).toMatchObject({ fields: [], size: 36 + 2037, tooLarge: true });
      // Its NAME is kept, so a new value under that name (name index 63) is fine.
      expect(decodeBlock(capped, Buffer.concat([hex('0f 30'), rawString('small')]), 1000)).toMatchObject({
        fields: ['x-big', 'small'],
        tooLarge: false,
      });
    }
  });
  it('a skipped Huffman literal still counts its DECODED length into the entry size (§4.1)', () => {
    const big = 'abc'.repeat(600); // 1800 octets, about 1100 coded
    const block = Buffer.concat([indexed('x-big', huffString(big)), indexed('x-a', '1')]);
    const capped = new HpackDecoder();
    const reference = new HpackDecoder();
    for (const oneByte of [false, true]) {
      expect(decodeBlock(capped, block, 500, oneByte).tooLarge).toBe(true);
      decodeBlock(reference, block, 1 << 20);
      expect(capped.dynamicTableSize).toBe(reference.dynamicTableSize);
      expect(capped.dynamicTable()[1]).toEqual(['x-big', '', 5 + 1800 + 32]);
    }
  });
  it('the cap applies to decoded octets: a Huffman literal decoding past it is not stored, one coded past it but decoding under is kept', () => {
    const scratch = (d: HpackDecoder): number => (d as unknown as { scratch: Buffer }).scratch.length;
    for (const oneByte of [false, true]) {
      // 1000 'a' (5 bits each): 625 octets on the wire, 1000 decoded; cap 700 + 64 slack.
      const many = Buffer.concat([indexed('x-a', huffString('a'.repeat(1000))), indexed('x-b', '1')]);
      const capped = new HpackDecoder();
      const reference = new HpackDecoder();
      expect(decodeBlock(capped, many, 700, oneByte)).toEqual({ fields: [], size: 1035 + 36, tooLarge: true });
      decodeBlock(reference, many, 1 << 20);
      expect(capped.dynamicTable().map(([n, , s]) => [n, s])).toEqual(
        reference.dynamicTable().map(([n, , s]) => [n, s]),
      );
      expect(scratch(capped)).toBeLessThanOrEqual(764);
      // 300 NULs (13 bits each): 488 octets on the wire, 300 decoded: within a 400 cap.
      const nuls = '\u0000'.repeat(300);
      const few = decodeBlock(new HpackDecoder(), indexed('x-h', huffString(nuls)), 400, oneByte);
      expect(few).toEqual({ fields: ['x-h', nuls], size: 335, tooLarge: false });
    }
  });
  it('a skipped Huffman literal is still checked for EOS and padding', () => {
    const decoder = new HpackDecoder();
    const bad = Buffer.concat([
      Buffer.from([0x00]),
      rawString('x-h'),
      lengthPrefix(300, 0x80),
      Buffer.alloc(300, 0xff),
    ]);
    expect(() => decodeBlock(decoder, bad, 100)).toThrow(/EOS/);
  });
  it('a skipped name poisons fields that reuse that name', () => {
    const decoder = new HpackDecoder();
    const longName = `x-${'n'.repeat(300)}`;
    expect(decodeBlock(decoder, indexed(longName, 'v'), 100).tooLarge).toBe(true);
    // Name index 62 with a new value: the name was never stored, so this field is too large too.
    expect(decodeBlock(decoder, Buffer.concat([hex('0f 2f'), rawString('w')]), 100)).toMatchObject({
      fields: [],
      size: longName.length + 1 + 32,
      tooLarge: true,
    });
  });
  it('a skipped text is never handed out as empty, even to a later block with a larger cap', () => {
    const decoder = new HpackDecoder();
    const longName = `x-${'n'.repeat(300)}`;
    expect(decodeBlock(decoder, indexed('x-a', 'v'.repeat(300)), 100).tooLarge).toBe(true);
    expect(decodeBlock(decoder, indexed(longName, 'v'), 100).tooLarge).toBe(true);
    // 62 = the entry with the skipped name, 63 = the one with the skipped value.
    expect(decodeBlock(decoder, Buffer.concat([hex('0f 2f'), rawString('w')]), 100_000)).toMatchObject({
      fields: [],
      tooLarge: true,
    });
    expect(decodeBlock(decoder, hex('bf'), 100_000)).toMatchObject({ fields: [], size: 335, tooLarge: true });
    // The name of the entry whose value was skipped is real and usable.
    expect(decodeBlock(decoder, Buffer.concat([hex('0f 30'), rawString('w')]), 100_000)).toEqual({
      fields: ['x-a', 'w'],
      size: 36,
      tooLarge: false,
    });
  });
  it('a list over maxListBytes keeps decoding (table in step) and the next block is fine', () => {
    const decoder = new HpackDecoder();
    const parts: Buffer[] = [];
    for (let i = 0; i < 20; i++) parts.push(indexed(`x-${i}`, 'value'));
    const r = decodeBlock(decoder, Buffer.concat(parts), 500);
    expect(r.tooLarge).toBe(true);
    expect(r.fields).toEqual([]);
    expect(r.size).toBe(20 * (3 + 5 + 32) + 10 * 1); // x-10..x-19 have 4-char names
    expect(decoder.dynamicTable()).toHaveLength(20);
    expect(decodeBlock(decoder, hex('88 be'), 500)).toEqual({
      fields: [':status', '200', 'x-19', 'value'],
      size: 42 + 41,
      tooLarge: false,
    });
  });
  it('tiny input, huge output: a repeated index stops being stored at the cap', () => {
    const decoder = new HpackDecoder();
    decodeBlock(decoder, indexed('x-a', 'v'.repeat(1000)));
    const r = decodeBlock(decoder, Buffer.alloc(100_000, 0xbe), 64 * 1024);
    expect(r.tooLarge).toBe(true);
    expect(r.fields).toEqual([]);
    expect(r.size).toBe(100_000 * 1035);
  });
  it('an encoder and decoder keep working after a tooLarge block', () => {
    const enc = new HpackEncoder();
    const dec = new HpackDecoder();
    const big = [':status', '200', 'x-a', 'a'.repeat(300)];
    const small = [':status', '200', 'x-b', 'b'];
    expect(decodeBlock(dec, enc.encode(big), 100).tooLarge).toBe(true);
    expect(decodeBlock(dec, enc.encode(small), 100).fields).toEqual(small);
    // The skipped entry is referenced (one octet) and is still too large; the small one is fine.
    expect(decodeBlock(dec, enc.encode(big), 100)).toMatchObject({ fields: [], tooLarge: true });
    expect(decodeBlock(dec, enc.encode(small), 100).fields).toEqual(small);
  });
});
