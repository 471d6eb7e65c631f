import { describe, expect, it } from 'vitest';
import { combineReporters } from '../../src/report/multi.js';
import type { Reporter } from '../../src/report/reporter.js';
import type { Summary } from '../../src/report/summary.js';
import type { Result } from '../../src/types.js';
import { makeResult, summaryOf } from './helpers.js';

function recorder(fail?: Error): Reporter & { seen: number[]; ended: Summary[] } {
  const seen: number[] = [];
  const ended: Summary[] = [];
  return {
    seen,
    ended,
    result(r: Result) {
      seen.push(r.index);
    },
    async end(s: Summary) {
      ended.push(s);
      if (fail) throw fail;
    },
  };
}

describe('combineReporters', () => {
  it('passes every result and the summary to each reporter', async () => {
    const a = recorder();
    const b = recorder();
    const both = combineReporters([a, b]);
    both.result(makeResult({ index: 1 }));
    both.result(makeResult({ index: 0 }));
    const s = summaryOf([]);
    await both.end(s);
    expect(a.seen).toEqual([1, 0]);
    expect(b.seen).toEqual([1, 0]);
    expect(a.ended).toEqual([s]);
    expect(b.ended).toEqual([s]);
  });

  it('ends all reporters even when one fails, then rejects with that failure', async () => {
    const boom = new Error('disk full');
    const a = recorder(boom);
    const b = recorder();
    await expect(combineReporters([a, b]).end(summaryOf([]))).rejects.toBe(boom);
    expect(b.ended).toHaveLength(1);
  });
});
