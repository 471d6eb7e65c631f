import { describe, expect, it } from 'vitest';
import { createSummaryReporter } from '../../src/report/summary-reporter.js';
import { makeResult, memoryOutput, summaryOf } from './helpers.js';

describe('summary reporter', () => {
  it('writes only the summary line, once', async () => {
    const { out, text } = memoryOutput();
    const rep = createSummaryReporter(out, { color: false });
    const results = [makeResult({ index: 0 }), makeResult({ index: 1 })];
    for (const r of results) rep.result(r);
    const s = summaryOf(results);
    await rep.end(s);
    await rep.end(s);
    const lines = text().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]?.startsWith('2 targets: 2 ok')).toBe(true);
    expect(lines[1]).toBe('');
  });
});
