/**
 * The CLI's target loop (GatedTargets): counts what it hands over, holds targets back while an
 * output is over its high-water mark, and ends the stream (not the run) when the input breaks.
 */
import { describe, expect, it } from 'vitest';
import { GatedTargets } from '../../src/cli/gated-targets.js';
import { InputReadError } from '../../src/targets/read/sources.js';
import type { PreparedTarget } from '../../src/types.js';

const target = (index: number): PreparedTarget => ({ index, input: `t${index}`, invalid: 'x' });

/** A source holding `held` targets for takeNow, then `later` ones through next(), then `end`. */
function source(
  held: number,
  later: number,
  end: () => IteratorResult<PreparedTarget> = () => ({ done: true, value: undefined }),
) {
  let i = 0;
  const calls = { takeNow: 0, next: 0 };
  return {
    calls,
    takeNow(): PreparedTarget | undefined {
      calls.takeNow++;
      return i < held ? target(i++) : undefined;
    },
    async next(): Promise<IteratorResult<PreparedTarget>> {
      calls.next++;
      if (i < held + later) return { done: false, value: target(i++) };
      return end();
    },
  };
}

describe('GatedTargets', () => {
  it('counts every target, taken now or awaited, and reports the count once at the end', async () => {
    const totals: number[] = [];
    const gate = new GatedTargets(
      source(2, 1),
      () => null,
      (n) => totals.push(n),
    );
    expect(gate.takeNow()?.index).toBe(0);
    expect(gate.takeNow()?.index).toBe(1);
    expect(gate.takeNow()).toBeUndefined();
    expect((await gate.next()).value?.index).toBe(2);
    expect((await gate.next()).done).toBe(true);
    expect(gate.count).toBe(3);
    expect(totals).toEqual([3]);
  });

  it('hands nothing over synchronously while an output is behind, and next() waits for it', async () => {
    let release: (() => void) | null = null;
    let behind: Promise<void> | null = new Promise<void>((resolve) => {
      release = resolve;
    });
    const src = source(3, 0);
    const gate = new GatedTargets(
      src,
      () => behind,
      () => {},
    );
    expect(gate.takeNow()).toBeUndefined();
    expect(src.calls.takeNow).toBe(0);
    let settled = false;
    const next = gate.next().then((r) => {
      settled = true;
      return r;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    behind = null;
    release!();
    expect((await next).value?.index).toBe(0);
    expect(gate.takeNow()?.index).toBe(1);
  });

  it('a broken input ends the stream, keeps the error, and the targets read so far count', async () => {
    const totals: number[] = [];
    const broken = new InputReadError('stdin', 3, new Error('ECONNRESET'));
    const gate = new GatedTargets(
      source(1, 1, () => {
        throw broken;
      }),
      () => null,
      (n) => totals.push(n),
    );
    expect(gate.takeNow()?.index).toBe(0);
    expect((await gate.next()).value?.index).toBe(1);
    expect((await gate.next()).done).toBe(true);
    expect(gate.readError).toBe(broken);
    expect(totals).toEqual([2]);
    expect(gate.takeNow()).toBeUndefined();
  });

  it('any other error is not the input breaking: it is thrown on', async () => {
    const gate = new GatedTargets(
      source(0, 0, () => {
        throw new TypeError('bug');
      }),
      () => null,
      () => {},
    );
    await expect(gate.next()).rejects.toThrow('bug');
    expect(gate.readError).toBeNull();
  });
});
