/**
 * Round trips: random header lists (latin1 and any Unicode: the encoder sends UTF-8, the decoder
 * hands octets back as latin1) through our encoder and our decoder, over several blocks on
 * one connection (so the dynamic tables must stay in step), with table size changes, each block
 * cut into fragments at random points.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HpackDecoder, HpackEncoder, HpackError } from '../../../src/engine/h2/hpack.js';

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
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: latin1(3000) },
);
const fieldsArb = fc.array(fc.tuple(nameArb, valueArb), { maxLength: 12 }).map((pairs) => pairs.flat());

type Step = { fields: string[]; cuts: number[] } | { tableSize: number };
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ fields: fieldsArb, cuts: fc.array(fc.nat(), { maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ tableSize: fc.constantFrom(0, 1, 64, 256, 1000, 4096, 65536) }) },
);

/** What our decoder hands back for what the encoder was given: the UTF-8 octets, as latin1. */
const onWire = (fields: string[]): string[] => fields.map((f) => Buffer.from(f, 'utf8').toString('latin1'));

/** RFC 9113 §6.5.2, in octets. */
function listSize(fields: string[]): number {
  let size = 0;
  for (let i = 0; i < fields.length; i += 2) {
    size += Buffer.byteLength(fields[i]!, 'utf8') + Buffer.byteLength(fields[i + 1]!, 'utf8') + 32;
  }
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
          expect(block.fields).toEqual(onWire(step.fields));
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
            if (!block.tooLarge) expect(block.fields).toEqual(onWire(step.fields));
            else expect(block.fields).toEqual([]);
            expect(capped.dynamicTable().map(([, , s]) => s)).toEqual(reference.dynamicTable().map(([, , s]) => s));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('HPACK decoder against garbage (fast-check)', () => {
  // Valid blocks with octets flipped, cut or spliced in, and plain random octets.
  const garbageArb = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc
      .tuple(fieldsArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }))
      .map(([fields, edits]) => {
        const bytes = new Uint8Array(new HpackEncoder().encode(fields));
        for (const [at, value] of edits) if (bytes.length > 0) bytes[at % bytes.length] = value;
        return bytes;
      }),
  );
  it('only ever throws HpackError, and holds at most maxListBytes + 64 octets of a literal', () => {
    fc.assert(
      fc.property(
        fc.array(garbageArb, { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.constantFrom(0, 100, 4096),
        (blocks, cuts, cap) => {
          const dec = new HpackDecoder();
          for (const block of blocks) {
            try {
              dec.begin(cap);
              for (const piece of fragments(Buffer.from(block), cuts)) dec.push(piece);
              const out = dec.end();
              if (out.tooLarge) expect(out.fields).toEqual([]);
              else expect(out.size).toBeLessThanOrEqual(cap);
            } catch (err) {
              if (!(err instanceof HpackError)) throw err;
              expect(err.code).toBe('compression');
              return; // the connection is over after a compression error
            }
            expect(dec.dynamicTableSize).toBeLessThanOrEqual(4096);
            expect((dec as unknown as { scratch: Buffer }).scratch.length).toBeLessThanOrEqual(Math.max(256, cap + 64));
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
