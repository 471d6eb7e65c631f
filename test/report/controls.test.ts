/**
 * Issue 12, item 9: C1 controls (U+0080–U+009F; U+009B is an 8-bit CSI) and DEL from servers are
 * escaped in every machine format, as the table already does, so `cat report` cannot act on a
 * terminal. JSON keeps the data (a `\u009b` escape decodes back to the same string).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCsvReporter } from '../../src/report/csv.js';
import { annotation } from '../../src/report/github.js';
import { createJsonReporter } from '../../src/report/json.js';
import { createJUnitReporter } from '../../src/report/junit.js';
import { createMarkdownReporter } from '../../src/report/markdown.js';
import { createNdjsonReporter } from '../../src/report/ndjson.js';
import type { Reporter } from '../../src/report/reporter.js';
import type { Result } from '../../src/types.js';
import { makeError, makeResult, memoryOutput, summaryOf } from './helpers.js';

const RAW = /[\u007f-\u009f]/;

const hostile = (): Result[] => [
  makeResult({
    index: 0,
    name: 'name \u009b31m',
    ok: false,
    failures: ['header x-evil is "\u009b2J\u0085", not "ok"'],
    redirects: [{ status: 302, url: 'http://127.0.0.1:1/\u009b' }],
  }),
  makeError(1, { code: 'proxy', message: 'proxy said \u009b31mred\u007f' }, { input: 'http://h/\u0090' }),
];

async function through(make: (out: ReturnType<typeof memoryOutput>['out']) => Reporter): Promise<string> {
  const { out, text } = memoryOutput();
  const rep = make(out);
  for (const r of hostile()) rep.result(r);
  await rep.end(summaryOf(hostile()));
  return text();
}

describe('C1 controls in machine formats', () => {
  it.each([
    ['NDJSON', (out: ReturnType<typeof memoryOutput>['out']) => createNdjsonReporter(out)],
    ['JSON', (out: ReturnType<typeof memoryOutput>['out']) => createJsonReporter(out)],
  ])('%s escapes them as \\u00XX and still decodes to the same strings', async (_name, make) => {
    const text = await through(make);
    expect(text).not.toMatch(RAW);
    expect(text).toContain('\\u009b');
    expect(text).toContain('\\u007f');
    // The data is unchanged for a JSON reader.
    expect(text).toContain(JSON.stringify('name \u009b31m').replace('\u009b', '\\u009b'));
  });

  it('CSV writes them as the text \\u009b', async () => {
    const text = await through((out) => createCsvReporter(out));
    expect(text).not.toMatch(RAW);
    expect(text).toContain('proxy said \\u009b31mred\\u007f');
  });

  it('Markdown writes them as text', async () => {
    const text = await through((out) => createMarkdownReporter(out));
    expect(text).not.toMatch(RAW);
    expect(text).toContain('u009b');
  });

  it('JUnit writes them as text', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fetch-many-c1-'));
    try {
      const path = join(dir, 'r.xml');
      const rep = createJUnitReporter(path);
      for (const r of hostile()) rep.result(r);
      await rep.end(summaryOf(hostile()));
      const xml = await readFile(path, 'utf8');
      expect(xml).not.toMatch(RAW);
      expect(xml).toContain('proxy said \\u009b31mred\\u007f');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('GitHub annotations show them escaped', () => {
    for (const r of hostile()) expect(annotation(r)).not.toMatch(RAW);
  });
});
