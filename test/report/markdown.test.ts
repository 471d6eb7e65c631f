import { describe, expect, it } from 'vitest';
import { createMarkdownReporter, mdText } from '../../src/report/markdown.js';
import { makeError, makeResult, memoryOutput, shuffled, summaryOf } from './helpers.js';

async function render(results: ReturnType<typeof makeResult>[], maxRows?: number): Promise<string> {
  const { out, text } = memoryOutput();
  const rep = createMarkdownReporter(out, maxRows);
  for (const r of results) rep.result(r);
  await rep.end(summaryOf(results));
  return text();
}

describe('markdown reporter', () => {
  it('lists failures in input order under the summary line', async () => {
    const md = await render(
      shuffled([
        makeResult({ index: 0 }),
        makeResult({ index: 1, status: 404, ok: false, failures: ['status 404 not in 200-399'] }),
        makeError(2, { code: 'refused', message: 'connect ECONNREFUSED 127.0.0.1:1' }),
      ]),
    );
    const rows = md.split('\n').filter((l) => l.startsWith('| ') && /^\| \d/.test(l));
    expect(rows).toEqual([
      '| 2 | GET http://127.0.0.1:8080/item/1 | 404 | status 404 not in 200-399 |',
      '| 3 | GET http://127.0.0.1:8080/item/2 | - | refused: connect ECONNREFUSED 127.0.0.1:1 |',
    ]);
    expect(md).toMatch(/^### fetch-many\n\n3 targets: 1 ok, 2 failed/);
  });

  it('carries a long reason whole, never cut (issue 19 item 3)', async () => {
    const words = Array.from({ length: 80 }, (_, i) => `word${i}`).join(' ');
    const message = words.slice(0, 400);
    const md = await render([makeError(0, { code: 'timeout', message })]);
    expect(md).toContain(`| timeout: ${message} |`);
    expect(md).not.toContain('…');
  });

  it('caps the rows and counts the rest; collapses cancelled targets', async () => {
    const results = [
      ...Array.from({ length: 7 }, (_, i) => makeError(i, { code: 'timeout', message: 't' })),
      ...Array.from({ length: 3 }, (_, i) => makeError(7 + i, { code: 'cancelled', message: 'run cancelled' })),
    ];
    const md = await render(results, 5);
    expect(md.split('\n').filter((l) => /^\| \d/.test(l))).toHaveLength(5);
    expect(md).toContain('… and 2 more failed targets, not listed.');
    expect(md).toContain('… 3 targets cancelled.');
    expect(md).not.toContain('run cancelled');
  });

  it('escapes what would be markup or end a cell, and shows controls as text', () => {
    expect(mdText('a|b <img src=x> *c* `d` [e](f) & \\ \n\u009b\x1b')).toBe(
      // The control's `\u009b` text gets its backslash escaped too, so GitHub renders `\u009b`.
      'a\\|b &lt;img src=x&gt; \\*c\\* \\`d\\` \\[e\\]\\(f\\) &amp; \\\\  \\\\u009b\\\\u001b',
    );
  });
});
