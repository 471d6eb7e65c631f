/**
 * TargetStream: prepared targets from batches, taken synchronously while a batch holds some
 * (takeNow), awaited otherwise (next) — and released like a generator when stopped early.
 */
import { describe, expect, it } from 'vitest';
import { TargetStream } from '../../src/targets/target-stream.js';
import type { SourceItem } from '../../src/targets/read/sources.js';
import type { PreparedTarget } from '../../src/types.js';

/** Batches of `{input}` items, recording whether the generator's `finally` ran. */
function batches(...lists: string[][]): { iterator: AsyncGenerator<SourceItem[]>; released: () => boolean } {
  let released = false;
  const iterator = (async function* () {
    try {
      for (const list of lists) yield list.map((input) => ({ input }));
    } finally {
      released = true;
    }
  })();
  return { iterator, released: () => released };
}

let index = 0;
const asTarget = (item: SourceItem): PreparedTarget => ({
  index: index++,
  input: String((item as { input: string }).input),
  invalid: 'x',
});
const inputOf = (t: PreparedTarget | undefined): string | undefined => t?.input;

describe('TargetStream', () => {
  it('hands over the rest of a batch already read through takeNow, without next()', async () => {
    const { iterator } = batches(['a', 'b', 'c'], ['d']);
    let ended = 0;
    const stream = new TargetStream(iterator, asTarget, () => ended++);
    expect(stream.takeNow()).toBeUndefined(); // nothing read yet
    expect(inputOf((await stream.next()).value)).toBe('a');
    expect(inputOf(stream.takeNow())).toBe('b');
    expect(inputOf(stream.takeNow())).toBe('c');
    expect(stream.takeNow()).toBeUndefined(); // the next batch has to be read
    expect(inputOf((await stream.next()).value)).toBe('d');
    expect((await stream.next()).done).toBe(true);
    expect((await stream.next()).done).toBe(true);
    expect(ended).toBe(1);
  });

  it('skips items the selection drops, in takeNow and next alike', async () => {
    const { iterator } = batches(['a', 'skip', 'b'], ['skip'], ['c']);
    const stream = new TargetStream(iterator, (item) =>
      (item as { input: string }).input === 'skip' ? null : asTarget(item),
    );
    expect(inputOf((await stream.next()).value)).toBe('a');
    expect(inputOf(stream.takeNow())).toBe('b');
    expect(stream.takeNow()).toBeUndefined();
    expect(inputOf((await stream.next()).value)).toBe('c');
    expect((await stream.next()).done).toBe(true);
  });

  it('serves overlapping next() calls in order, losing nothing', async () => {
    const { iterator } = batches(['a'], ['b'], ['c']);
    const stream = new TargetStream(iterator, asTarget);
    const got = await Promise.all([stream.next(), stream.next(), stream.next(), stream.next()]);
    expect(got.map((r) => (r.done === true ? 'done' : r.value.input))).toEqual(['a', 'b', 'c', 'done']);
  });

  it('a selection that throws ends the stream and releases the source', async () => {
    const { iterator, released } = batches(['a', 'bad', 'c'], ['d']);
    const stream = new TargetStream(iterator, (item) => {
      if ((item as { input: string }).input === 'bad') throw new Error('list changed');
      return asTarget(item);
    });
    expect(inputOf((await stream.next()).value)).toBe('a');
    expect(() => stream.takeNow()).toThrow('list changed');
    expect(stream.takeNow()).toBeUndefined();
    expect((await stream.next()).done).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(released()).toBe(true);
  });

  it('an error at the end (atEnd) rejects the last next()', async () => {
    const { iterator } = batches(['a']);
    const stream = new TargetStream(iterator, asTarget, () => {
      throw new Error('more results than targets');
    });
    expect(inputOf((await stream.next()).value)).toBe('a');
    await expect(stream.next()).rejects.toThrow('more results than targets');
    expect((await stream.next()).done).toBe(true);
  });

  it('return() stops early and releases the source, as break in for await does', async () => {
    const { iterator, released } = batches(['a', 'b'], ['c']);
    const stream = new TargetStream(iterator, asTarget);
    for await (const t of stream) {
      expect(t.input).toBe('a');
      break;
    }
    expect(released()).toBe(true);
    expect(stream.takeNow()).toBeUndefined();
    expect((await stream.next()).done).toBe(true);
  });
});
