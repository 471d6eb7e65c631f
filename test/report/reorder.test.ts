import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReorderBuffer } from '../../src/report/reorder.js';

describe('ReorderBuffer', () => {
  it('emits the contiguous prefix as soon as it is complete', () => {
    const out: number[] = [];
    const buf = new ReorderBuffer<string>((_item, i) => out.push(i));
    buf.push(1, 'b');
    buf.push(2, 'c');
    expect(out).toEqual([]);
    expect(buf.held).toBe(2);
    buf.push(0, 'a');
    expect(out).toEqual([0, 1, 2]);
    expect(buf.held).toBe(0);
    buf.push(3, 'd');
    expect(out).toEqual([0, 1, 2, 3]);
  });

  it('emits what is left in index order at finish, skipping gaps', () => {
    const out: string[] = [];
    const buf = new ReorderBuffer<string>((item) => out.push(item));
    buf.push(5, 'f');
    buf.push(2, 'c');
    buf.push(0, 'a');
    buf.finish();
    expect(out).toEqual(['a', 'c', 'f']);
    expect(buf.held).toBe(0);
  });

  it('does not lose a duplicate index', () => {
    const out: string[] = [];
    const buf = new ReorderBuffer<string>((item) => out.push(item));
    buf.push(0, 'a');
    buf.push(0, 'again');
    buf.push(2, 'c');
    buf.push(2, 'c again');
    buf.finish();
    expect(out.sort()).toEqual(['a', 'again', 'c', 'c again']);
  });

  it('yields input order for any completion order (property)', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 0, max: 200 })
          .chain((n) => fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n })),
        (order) => {
          const out: number[] = [];
          const buf = new ReorderBuffer<number>((item) => out.push(item));
          for (const i of order) buf.push(i, i);
          buf.finish();
          expect(out).toEqual([...order].sort((a, b) => a - b));
        },
      ),
    );
  });

  it('holds only what is ahead of a gap', () => {
    const buf = new ReorderBuffer<number>(() => {});
    // Completion mostly follows input order, each result at most 3 places late.
    let maxHeld = 0;
    for (let base = 0; base < 10_000; base += 4) {
      for (const i of [base + 1, base + 2, base + 3, base]) {
        buf.push(i, i);
        maxHeld = Math.max(maxHeld, buf.held);
      }
    }
    expect(maxHeld).toBe(3);
    expect(buf.held).toBe(0);
  });
});
