import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BitSet } from '../../src/merge/bitset.js';
import { MergeError, type MergeInput, mergeResults } from '../../src/merge/merge.js';
import { resultToJson } from '../../src/report/result-json.js';
import type { Result } from '../../src/types.js';
import { makeError, makeResult } from '../report/helpers.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'fetch-many-merge-test-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const ndjson =
  (results: readonly Result[]): MergeInput['open'] =>
  () =>
    Readable.from([results.map((r) => `${resultToJson(r)}\n`).join('')]);

function input(label: string, results: readonly Result[]): MergeInput {
  return { label, open: ndjson(results) };
}

async function merge(inputs: MergeInput[], options: Parameters<typeof mergeResults>[1] = {}) {
  const out: Result[] = [];
  const stats = await mergeResults(inputs, { tmpDir: tmp, ...options }, (r) => out.push(r));
  return { out, stats };
}

const cancelled = (index: number): Result => makeError(index, { code: 'cancelled', message: 'cancelled' });

describe('mergeResults', () => {
  it('emits shards given in completion order as one list in index order', async () => {
    const { out } = await merge([
      input('a', [makeResult({ index: 2 }), makeResult({ index: 0 })]),
      input('b', [makeResult({ index: 3 }), makeResult({ index: 1 })]),
    ]);
    expect(out.map((r) => r.index)).toEqual([0, 1, 2, 3]);
    expect(out.map(resultToJson)).toEqual([0, 1, 2, 3].map((i) => resultToJson(makeResult({ index: i }))));
  });

  it('a cancelled result loses to a finished one for the same index, in either order', async () => {
    const { out, stats } = await merge([
      input('first', [makeResult({ index: 0 }), cancelled(1), makeResult({ index: 2, status: 201 })]),
      input('resumed', [makeResult({ index: 1, status: 204 }), cancelled(2)]),
    ]);
    expect(out.map((r) => [r.index, r.status])).toEqual([
      [0, 200],
      [1, 204],
      [2, 201],
    ]);
    expect(stats.superseded).toBe(2);
  });

  it('keeps a cancelled result when nothing finished that index', async () => {
    const { out } = await merge([input('a', [makeResult({ index: 0 }), cancelled(1)])]);
    expect(out.map((r) => r.error?.code ?? 'ok')).toEqual(['ok', 'cancelled']);
  });

  it('two finished results for one index are an error naming the index and where', async () => {
    const err = await merge([
      input('a.ndjson', [makeResult({ index: 0 }), makeResult({ index: 5 })]),
      input('b.ndjson', [makeResult({ index: 1 }), makeResult({ index: 5 })]),
    ]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MergeError);
    expect((err as MergeError).kind).toBe('duplicate');
    expect((err as Error).message).toMatch(/^index 5 has two finished results \(the second at b\.ndjson line 2\)/);
  });

  it('missing indexes below the highest seen fail with their count and the first few', async () => {
    const present = [0, 1, 4, 9, 10, 11, 12, 13, 20].map((index) => makeResult({ index }));
    const err = await merge([input('a', present)]).catch((e: unknown) => e);
    expect((err as MergeError).kind).toBe('missing');
    expect((err as Error).message).toMatch(/^12 of 21 results missing .*: index 2, 3, 5, 6, 7, …$/);
  });

  it('--total counts the missing tail too, and refuses an index past it', async () => {
    const err = await merge([input('a', [makeResult({ index: 0 }), makeResult({ index: 1 })])], { total: 5 }).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toBe('3 of 5 results missing: index 2, 3, 4');
    const past = await merge([input('a.ndjson', [makeResult({ index: 5 })])], { total: 5 }).catch((e: unknown) => e);
    expect((past as MergeError).kind).toBe('beyond_total');
    expect((past as Error).message).toMatch(/^a\.ndjson line 1: index 5 is past the end of the list \(5 targets\)/);
  });

  it('an index too large to track is an error, not an allocation of its size', async () => {
    const err = await merge([input('a.ndjson', [makeResult({ index: 2 ** 40 })])]).catch((e: unknown) => e);
    expect((err as Error).message).toBe(`a.ndjson line 1: index ${2 ** 40} is too large to merge`);
  });

  it('stops with kind "interrupted" once its signal aborts', async () => {
    const controller = new AbortController();
    const results = [...Array(3000).keys()].map((index) => makeResult({ index }));
    let emitted = 0;
    const merging = mergeResults([input('a', results)], { tmpDir: tmp, signal: controller.signal }, () => {
      emitted++;
      if (emitted === 300) controller.abort();
    });
    const err = await merging.catch((e: unknown) => e);
    expect((err as MergeError).kind).toBe('interrupted');
    expect(emitted).toBeLessThan(3000);
  });

  it('no results at all is an error', async () => {
    await expect(merge([input('a', [])])).rejects.toThrow(/no results/);
  });

  it('spills sorted runs to temporary files past the limit, merges them, and removes them', async () => {
    const n = 2000;
    const order = fc.sample(fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }), {
      numRuns: 1,
      seed: 7,
    })[0]!;
    const half = n / 2;
    const { out, stats } = await merge(
      [
        input(
          'a',
          order.slice(0, half).map((index) => makeResult({ index })),
        ),
        input(
          'b',
          order.slice(half).map((index) => makeResult({ index })),
        ),
      ],
      { spillAt: 20_000 },
    );
    expect(stats.spilled).toBeGreaterThan(5);
    expect(out.map((r) => r.index)).toEqual([...Array(n).keys()]);
    expect(await readdir(tmp)).toEqual([]);
  });

  it('past 64 runs, merges groups of runs first (bounded open files), still in order', async () => {
    const n = 300;
    const results = [...Array(n).keys()].reverse().map((index) => makeResult({ index }));
    const { out, stats } = await merge(
      [input('a', results.slice(0, 150)), input('b', [...results.slice(150), cancelled(7)])],
      { spillAt: 1 },
    );
    expect(stats.spilled).toBe(n); // the cancelled one came after its finished result: dropped on reading
    expect(stats.superseded).toBe(1);
    expect(stats.openRuns).toBeLessThanOrEqual(64);
    expect(out.map((r) => [r.index, r.error?.code ?? 'ok'])).toEqual([...Array(n).keys()].map((i) => [i, 'ok']));
    expect(await readdir(tmp)).toEqual([]);
  });

  it('any split of a run into shards and resumes merges back to the run (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 1, max: 60 })
          .chain((n) =>
            fc.tuple(
              fc.constant(n),
              fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n }),
              fc.array(fc.boolean(), { minLength: n, maxLength: n }),
              fc.integer({ min: 200, max: 5000 }),
            ),
          ),
        async ([n, shardOf, alsoCancelled, spillAt]) => {
          const run = [...Array(n).keys()].map((index) => makeResult({ index, status: 200 + (index % 7) }));
          const files: Result[][] = [[], [], [], []];
          run.forEach((r, i) => {
            files[shardOf[i]!]!.unshift(r);
            // The same target cancelled in another file (an interrupted run before its resume).
            if (alsoCancelled[i]) files[(shardOf[i]! + 1) % 4]!.push(cancelled(i));
          });
          const { out } = await merge(
            files.map((f, i) => input(`s${i}`, f)),
            { spillAt },
          );
          expect(out.map(resultToJson)).toEqual(run.map(resultToJson));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('waits while the outputs are behind, so a slow reader holds the merge back', async () => {
    const results = [...Array(2000).keys()].map((index) => makeResult({ index }));
    let release: (() => void) | null = null;
    let askedAt = -1;
    const out: Result[] = [];
    const merging = mergeResults(
      [input('a', results)],
      {
        tmpDir: tmp,
        ready: () => {
          if (askedAt !== -1) return null;
          askedAt = out.length;
          return new Promise<void>((resolve) => {
            release = resolve;
          });
        },
      },
      (r) => out.push(r),
    );
    while (release === null) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 30));
    // Nothing more was emitted while the outputs were behind.
    expect(out.length).toBe(askedAt);
    expect(out.length).toBeLessThan(2000);
    (release as () => void)();
    await merging;
    expect(out).toHaveLength(2000);
  });
});

describe('BitSet', () => {
  it('counts gaps up to a bound, listing the first few', () => {
    const s = new BitSet();
    for (const n of [0, 1, 2, 3, 4, 5, 6, 7, 9, 20_000]) s.add(n);
    expect(s.end).toBe(20_001);
    expect(s.has(9)).toBe(true);
    expect(s.has(8)).toBe(false);
    expect(s.has(1e9)).toBe(false);
    expect(s.gaps(20_001, 3)).toEqual({ count: 20_001 - 10, first: [8, 10, 11] });
    expect(s.gaps(8, 3)).toEqual({ count: 0, first: [] });
  });
});
