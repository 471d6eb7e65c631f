import { describe, expect, it } from 'vitest';
import { createNdjsonReporter } from '../../src/report/ndjson.js';
import { makeError, makeResult, memoryOutput, summaryOf } from './helpers.js';

describe('ndjson reporter', () => {
  it('writes one parseable object per result, in completion order', async () => {
    const { out, text } = memoryOutput();
    const rep = createNdjsonReporter(out);
    const results = [
      makeResult({ index: 2 }),
      makeError(0, { code: 'dns', message: 'no such host: nope.invalid' }),
      makeResult({ index: 1, name: 'named, "quoted"\nline' }),
    ];
    for (const r of results) rep.result(r);
    await rep.end(summaryOf(results));
    const lines = text().split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(3);
    const parsed = lines.map((l) => JSON.parse(l) as { index: number; name?: string });
    expect(parsed.map((p) => p.index)).toEqual([2, 0, 1]);
    expect(parsed[2]?.name).toBe('named, "quoted"\nline');
    expect(parsed.map((p) => 'name' in p)).toEqual([false, false, true]);
  });

  it('streams: a result is out once flushed, before the run ends', async () => {
    const { out, text } = memoryOutput();
    const rep = createNdjsonReporter(out);
    rep.result(makeResult({ index: 0 }));
    await out.flush();
    expect(JSON.parse(text()).index).toBe(0);
  });

  it('writes nothing for an empty run and ignores results after end', async () => {
    const { out, text } = memoryOutput();
    const rep = createNdjsonReporter(out);
    await rep.end(summaryOf([]));
    rep.result(makeResult());
    await out.flush();
    expect(text()).toBe('');
  });
});
