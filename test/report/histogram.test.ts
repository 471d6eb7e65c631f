import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../../src/report/histogram.js';

/** Nearest-rank percentile over a sorted copy: the exact answer the histogram approximates. */
function exact(sorted: readonly number[], p: number): number {
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1] ?? NaN;
}

/** Seeded uniform [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const PRECISION = 0.01;

function expectClose(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(expected * PRECISION);
}

describe('LatencyHistogram', () => {
  it('is empty at first', () => {
    const h = new LatencyHistogram();
    expect(h.count).toBe(0);
    expect(h.percentile(50)).toBeNaN();
    expect(h.max).toBeNaN();
  });

  it('reports a constant exactly (clamped to the observed min and max)', () => {
    const h = new LatencyHistogram();
    for (let i = 0; i < 100; i++) h.record(3.1);
    expect(h.percentile(50)).toBe(3.1);
    expect(h.percentile(99)).toBe(3.1);
    expect(h.max).toBe(3.1);
  });

  it('matches exact percentiles of a uniform distribution within 1 %', () => {
    const h = new LatencyHistogram();
    const values: number[] = [];
    for (let i = 1; i <= 10_000; i++) {
      const v = i / 10; // 0.1 ms … 1000 ms
      values.push(v);
      h.record(v);
    }
    for (const p of [1, 10, 50, 90, 99, 99.9]) expectClose(h.percentile(p), exact(values, p));
    expect(h.max).toBe(1000);
  });

  it('matches exact percentiles of a heavy-tailed distribution from 0.01 ms to an hour', () => {
    const h = new LatencyHistogram();
    const next = rng(7);
    const values: number[] = [];
    for (let i = 0; i < 50_000; i++) {
      // log-uniform between 0.01 ms and 3.6e6 ms (one hour)
      const v = 0.01 * Math.exp(next() * Math.log(3.6e8));
      values.push(v);
      h.record(v);
    }
    values.sort((a, b) => a - b);
    for (const p of [0.1, 5, 25, 50, 75, 90, 99, 99.99]) expectClose(h.percentile(p), exact(values, p));
    expect(h.max).toBe(values[values.length - 1]);
    expect(h.min).toBe(values[0]);
  });

  it('handles exact powers of two at bucket edges', () => {
    for (const v of [0.0078125, 0.5, 1, 2, 1024, 2 ** 21]) {
      const h = new LatencyHistogram();
      h.record(v);
      h.record(v * 1.5);
      // In its own bucket (midpoint at or above v), not the top bucket of the range below.
      expect(h.percentile(50)).toBeGreaterThanOrEqual(v);
      expectClose(h.percentile(50), v);
      expect(h.percentile(100)).toBe(v * 1.5);
    }
  });

  it('ignores NaN and negatives, clamps values past an hour', () => {
    const h = new LatencyHistogram();
    h.record(NaN);
    h.record(-1);
    expect(h.count).toBe(0);
    h.record(1e10);
    expect(h.percentile(50)).toBe(1e10);
  });

  it('keeps a fixed number of buckets whatever it records', () => {
    const h = new LatencyHistogram();
    const before = h.bucketCount;
    const next = rng(1);
    for (let i = 0; i < 200_000; i++) h.record(next() * 1e7);
    expect(h.count).toBe(200_000);
    expect(h.bucketCount).toBe(before);
    expect(before).toBeLessThan(5000);
  });
});
