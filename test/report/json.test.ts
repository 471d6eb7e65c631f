import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createJsonReporter } from '../../src/report/json.js';
import type { Summary } from '../../src/report/summary.js';
import type { Result } from '../../src/types.js';
import { arbRun } from './arbitraries.js';
import { makeError, makeResult, memoryOutput, shuffled, summaryOf } from './helpers.js';

interface Doc {
  results: Array<{ index: number } & Record<string, unknown>>;
  summary: Summary;
}

async function run(results: readonly Result[]): Promise<{ text: string; doc: Doc }> {
  const { out, text } = memoryOutput();
  const rep = createJsonReporter(out);
  for (const r of results) rep.result(r);
  await rep.end(summaryOf(results, 250));
  return { text: text(), doc: JSON.parse(text()) as Doc };
}

describe('json reporter', () => {
  it('is one document with results in input order and the summary', async () => {
    const results = Array.from({ length: 30 }, (_, i) =>
      i % 7 === 3 ? makeError(i, { code: 'reset', message: 'reset by peer' }) : makeResult({ index: i }),
    );
    const { text, doc } = await run(shuffled(results));
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n').filter(Boolean).length).toBeGreaterThan(1); // a result per line
    expect(doc.results.map((r) => r.index)).toEqual(results.map((r) => r.index));
    expect(doc.results[3]?.error).toEqual({ code: 'reset', message: 'reset by peer' });
    expect(doc.summary.total).toBe(30);
    expect(doc.summary.wallMs).toBe(250);
    expect(Object.keys(doc)).toEqual(['results', 'summary']);
  });

  it('stays valid when the run was cut short with indexes missing', async () => {
    const { doc } = await run([makeResult({ index: 4 }), makeResult({ index: 1 }), makeResult({ index: 7 })]);
    expect(doc.results.map((r) => r.index)).toEqual([1, 4, 7]);
  });

  it('is valid for an empty run', async () => {
    const { doc } = await run([]);
    expect(doc.results).toEqual([]);
    expect(doc.summary.total).toBe(0);
  });

  it('streams the completed prefix before the run ends', async () => {
    const { out, text } = memoryOutput();
    const rep = createJsonReporter(out);
    rep.result(makeResult({ index: 1 }));
    await out.flush();
    expect(text()).toBe(''); // index 0 still missing: nothing can go out yet
    rep.result(makeResult({ index: 0 }));
    rep.result(makeResult({ index: 3 }));
    await out.flush();
    const written = text();
    expect(written.startsWith('{"results":[\n')).toBe(true);
    expect(written).toContain('"index":0');
    expect(written).toContain('"index":1');
    expect(written).not.toContain('"index":3');
    await rep.end(summaryOf([]));
    expect((JSON.parse(text()) as Doc).results.map((r) => r.index)).toEqual([0, 1, 3]);
  });

  it('round-trips any run, hostile strings included (property)', async () => {
    await fc.assert(
      fc.asyncProperty(arbRun, async (results) => {
        const { doc } = await run(results);
        const expected = [...results]
          .sort((a, b) => a.index - b.index)
          .map((r) => JSON.parse(JSON.stringify(r)) as unknown);
        expect(doc.results).toEqual(expected);
      }),
      { numRuns: 100 },
    );
  });
});
