/**
 * Issue 19, item 2, at the reporter: what GitHub shows per step is 10 error and 10 warning
 * annotations, so each kind stays within its budget (the last line counting the rest only when
 * there is a rest); a target from a file inside the workspace points at its line, with the path
 * escaped as a property; one from elsewhere, or from stdin, carries no location.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { annotation, createGitHubReporter, locationProperties } from '../../src/report/github.js';
import { SummaryCollector } from '../../src/report/summary.js';
import type { Result } from '../../src/types.js';
import { makeResult, memoryOutput } from './helpers.js';

const failed = (index: number, extra: Partial<Result> = {}): Result =>
  makeResult({ index, status: 500, ok: false, failures: ['status 500 not in 200-399'], ...extra });
const flaky = (index: number): Result =>
  makeResult({
    index,
    attempts: 2,
    flaky: true,
    retried: [{ status: null, error: { code: 'refused', message: 'connection refused by 127.0.0.1:9' }, failures: [] }],
  });

async function annotate(results: Result[], max?: number): Promise<string[]> {
  const { out, text } = memoryOutput();
  const reporter = createGitHubReporter({
    log: out,
    warn: () => {},
    workspace: '/ws',
    ...(max === undefined ? {} : { maxAnnotations: max }),
  });
  const collector = new SummaryCollector();
  for (const r of results) {
    collector.add(r);
    reporter.result(r);
  }
  await reporter.end(collector.summary(1));
  return text()
    .split('\n')
    .filter((l) => l !== '');
}

describe('GitHub annotations', () => {
  it('errors and warnings each within their budget, the last line counting the rest only when there is one', async () => {
    const ten = await annotate(Array.from({ length: 10 }, (_, i) => failed(i)));
    expect(ten).toHaveLength(10);
    expect(ten.every((l) => l.includes('status 500'))).toBe(true);

    const many = await annotate([
      ...Array.from({ length: 25 }, (_, i) => failed(i)),
      ...Array.from({ length: 12 }, (_, i) => flaky(100 + i)),
    ]);
    const errors = many.filter((l) => l.startsWith('::error'));
    const warnings = many.filter((l) => l.startsWith('::warning'));
    expect(errors).toHaveLength(10);
    expect(errors.at(-1)).toMatch(/^::error title=fetch-many::16 more failed targets not annotated/);
    expect(warnings).toHaveLength(10);
    // The message (data) keeps its ':'; only properties escape it.
    expect(warnings[0]).toMatch(
      /::flaky: ok after 2 attempts; attempt 1: refused: connection refused by 127\.0\.0\.1:9$/,
    );
    expect(warnings.at(-1)).toMatch(/^::warning title=fetch-many::3 more flaky targets/);

    expect(await annotate([failed(0), failed(1)], 0)).toEqual([]);
    expect(await annotate([failed(0), failed(1)], 1)).toEqual([
      expect.stringMatching(/^::error title=fetch-many::2 more failed targets not annotated/),
    ]);
  });

  it('file= relative to the workspace, escaped as a property; none outside it or without a source', () => {
    const inside = failed(0, { source: { file: '/ws/checks/a,b: c.json', line: 7 } });
    expect(locationProperties(inside, '/ws')).toBe('file=checks/a%2Cb%3A c.json,line=7,');
    expect(annotation(inside, '/ws')).toMatch(/^::error file=checks\/a%2Cb%3A c\.json,line=7,title=fetch-many #1%3A /);
    expect(locationProperties(failed(0, { source: { file: '/elsewhere/a.json', line: 1 } }), '/ws')).toBe('');
    expect(locationProperties(failed(0), '/ws')).toBe('');
    // A relative name is taken from the working directory, as the CLI opened it.
    const relative = failed(0, { source: { file: 'list.txt', line: 3 } });
    expect(locationProperties(relative, process.cwd())).toBe('file=list.txt,line=3,');
    expect(locationProperties(relative, join(process.cwd(), 'sub'))).toBe('');
  });
});
