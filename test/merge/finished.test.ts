import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { inputHash, loadFinished } from '../../src/merge/finished.js';
import { resultToJson } from '../../src/report/result-json.js';
import { readSelectedTargets } from '../../src/targets/index.js';
import type { PreparedTarget, Result } from '../../src/types.js';
import { makeError, makeResult } from '../report/helpers.js';

const file = (results: Result[]): Readable => Readable.from([results.map((r) => `${resultToJson(r)}\n`).join('')]);

async function collect(targets: AsyncIterable<PreparedTarget>): Promise<PreparedTarget[]> {
  const out: PreparedTarget[] = [];
  for await (const t of targets) out.push(t);
  return out;
}

describe('loadFinished', () => {
  it('keeps finished results (ok or not), not cancelled ones, looked up in ascending order', async () => {
    const finished = await loadFinished(
      file([
        makeResult({ index: 9, input: 'i9' }),
        makeError(4, { code: 'cancelled', message: 'c' }),
        makeError(2, { code: 'refused', message: 'r' }),
        makeResult({ index: 0, input: 'i0' }),
      ]),
      'r.ndjson',
    );
    expect(finished.size).toBe(3);
    expect(finished.highest).toBe(9);
    expect(finished.lookup(0)).toBe(inputHash('i0'));
    expect(finished.lookup(1)).toBeNull();
    expect(finished.lookup(2)).not.toBeNull();
    expect(finished.lookup(4)).toBeNull();
    expect(finished.lookup(9)).toBe(inputHash('i9'));
    expect(finished.lookup(10)).toBeNull();
  });

  it('a malformed line names the file and line', async () => {
    await expect(loadFinished(Readable.from(['{"index":0}\n']), 'r.ndjson')).rejects.toThrow(/^r\.ndjson line 1: /);
  });

  it('inputHash tells inputs apart and is stable', () => {
    expect(inputHash('http://a/')).toBe(inputHash('http://a/'));
    expect(inputHash('http://a/')).not.toBe(inputHash('http://b/'));
    expect(inputHash('')).toBe(0x811c9dc5);
  });
});

describe('readSelectedTargets', () => {
  const list = (lines: string[]): Readable => Readable.from([`${lines.join('\n')}\n`]);

  it('a shard keeps k mod n = i-1, with whole-list indexes; other shards are not even validated', async () => {
    const lines = [
      'http://127.0.0.1:1/0',
      'not a url ::',
      'http://127.0.0.1:1/2',
      'http://[bad',
      'http://127.0.0.1:1/4',
    ];
    const selected = await readSelectedTargets([{ kind: 'stdin' }], { headers: [] }, list(lines), {
      shard: { index: 1, count: 2 },
    });
    const got = await collect(selected.targets);
    expect(got.map((t) => [t.index, 'invalid' in t])).toEqual([
      [0, false],
      [2, false],
      [4, false],
    ]);
    expect(selected.read).toBe(5);
  });

  it('--resume skips finished targets, compares their input, and refuses a changed or shorter list', async () => {
    const urls = ['http://127.0.0.1:1/a', 'http://127.0.0.1:1/b', 'http://127.0.0.1:1/c'];
    const finished = await loadFinished(
      file([makeResult({ index: 0, input: urls[0]! }), makeResult({ index: 2, input: urls[2]! })]),
      'done.ndjson',
    );
    const run = async (lines: string[]) =>
      collect(
        (
          await readSelectedTargets([{ kind: 'stdin' }], { headers: [] }, list(lines), {
            resume: { finished, label: 'done.ndjson' },
          })
        ).targets,
      );
    expect((await run(urls)).map((t) => t.index)).toEqual([1]);
    const changed = [...urls];
    changed[2] = 'http://127.0.0.1:1/z';
    await expect(run(changed)).rejects.toThrow(/--resume: the list changed: target 2 is "http:\/\/127\.0\.0\.1:1\/z"/);
    await expect(run(urls.slice(0, 2))).rejects.toThrow(
      /done\.ndjson has a result for index 2, but the list has 2 targets/,
    );
  });

  it('--resume compares the input as reports show it (a redacted password still matches)', async () => {
    const redact = (input: string): string => input.replace(/:[^:@/]+@/, ':***@');
    const read = async (shown?: (input: string) => string) => {
      // Lookups run forward once (one pass over the list): a fresh set per pass.
      const finished = await loadFinished(file([makeResult({ index: 0, input: 'http://u:***@127.0.0.1:1/a' })]), 'r');
      return collect(
        (
          await readSelectedTargets(
            [{ kind: 'stdin' }],
            { headers: [] },
            list(['http://u:secret@127.0.0.1:1/a', 'http://127.0.0.1:1/b']),
            { resume: { finished, label: 'r', ...(shown === undefined ? {} : { shown }) } },
          )
        ).targets,
      );
    };
    expect((await read(redact)).map((t) => t.index)).toEqual([1]);
    await expect(read()).rejects.toThrow(/the list changed: target 0/);
  });
});
