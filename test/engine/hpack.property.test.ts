/**
 * Round trips: random header lists through our encoder and our decoder, over several blocks on
 * one connection (so the dynamic tables must stay in step), with table size changes, each block
 * cut into fragments at random points.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HpackDecoder, HpackEncoder } from '../../src/engine/hpack.js';

const latin1 = (max: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: max });

const nameArb = fc.oneof(
  fc.constantFrom(
    ':authority',
    ':method',
    ':path',
    ':scheme',
    'user-agent',
    'accept',
    'accept-encoding',
    'cookie',
    'authorization',
    'proxy-authorization',
    'content-length',
    'content-type',
    'x-request',
    'x-trace',
  ),
  fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz-0123456789'), maxLength: 20 }),
);
const valueArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('', 'GET', 'POST', '/', 'https', '*/*', 'gzip, deflate', 'example.com') },
  { weight: 4, arbitrary: latin1(40) },
  { weight: 1, arbitrary: latin1(3000) },
);
const fieldsArb = fc.array(fc.tuple(nameArb, valueArb), { maxLength: 12 }).map((pairs) => pairs.flat());

type Step = { fields: string[]; cuts: number[] } | { tableSize: number };
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ fields: fieldsArb, cuts: fc.array(fc.nat(), { maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ tableSize: fc.constantFrom(0, 1, 64, 256, 1000, 4096, 65536) }) },
);

function listSize(fields: string[]): number {
  let size = 0;
  for (let i = 0; i < fields.length; i += 2) size += fields[i]!.length + fields[i + 1]!.length + 32;
  return size;
}

function fragments(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const at of [...points, bytes.length]) {
    out.push(bytes.subarray(from, at));
    from = at;
  }
  return out;
}

describe('HPACK round trip (fast-check)', () => {
  it('decodes what the encoder wrote, block after block, fragmented anywhere', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 25 }), (steps) => {
        const enc = new HpackEncoder();
        const dec = new HpackDecoder();
        for (const step of steps) {
          if ('tableSize' in step) {
            enc.setPeerTableSize(step.tableSize);
            continue;
          }
          const bytes = enc.encode(step.fields);
          dec.begin(1 << 20);
          for (const piece of fragments(bytes, step.cuts)) dec.push(piece);
          const block = dec.end();
          expect(block.fields).toEqual(step.fields);
          expect(block.size).toBe(listSize(step.fields));
          expect(block.tooLarge).toBe(false);
          expect(dec.dynamicTableSize).toBeLessThanOrEqual(4096);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a decoder with a small list cap stays in step with one without: same table sizes, fields whenever not tooLarge', () => {
    fc.assert(
      fc.property(
        fc.array(stepArb, { minLength: 1, maxLength: 25 }),
        fc.constantFrom(0, 50, 200, 1000),
        (steps, cap) => {
          const enc = new HpackEncoder();
          const capped = new HpackDecoder();
          const reference = new HpackDecoder();
          for (const step of steps) {
            if ('tableSize' in step) {
              enc.setPeerTableSize(step.tableSize);
              continue;
            }
            const bytes = enc.encode(step.fields);
            capped.begin(cap);
            for (const piece of fragments(bytes, step.cuts)) capped.push(piece);
            const block = capped.end();
            reference.begin(1 << 20);
            reference.push(bytes);
            reference.end();
            const size = listSize(step.fields);
            expect(block.size).toBe(size);
            if (size > cap) expect(block.tooLarge).toBe(true);
            if (!block.tooLarge) expect(block.fields).toEqual(step.fields);
            else expect(block.fields).toEqual([]);
            expect(capped.dynamicTable().map(([, , s]) => s)).toEqual(reference.dynamicTable().map(([, , s]) => s));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
