import { describe, expect, it } from 'vitest';
import { createTableReporter } from '../../src/report/table.js';
import { displayWidth } from '../../src/report/sanitize.js';
import type { Result } from '../../src/types.js';
import { makeError, makeResult, memoryOutput, shuffled, summaryOf } from './helpers.js';

const SGR = /\x1b\[[0-9;]*m/g;

interface ParsedRow {
  n: string;
  target: string;
  status: string;
  bytes: string;
  time: string;
  error: string;
}

/** Data rows of a rendered table (between the header rule and the bottom rule). */
function parseTable(text: string): { rows: ParsedRow[]; lines: string[] } {
  const lines = text.split('\n').filter((l) => l !== '');
  const rows: ParsedRow[] = [];
  const header = lines.findIndex((l) => l.startsWith('├'));
  for (const line of lines.slice(header + 1)) {
    if (!line.startsWith('│')) continue;
    const [n = '', target = '', status = '', bytes = '', time = '', error = ''] = line
      .slice(1, -1)
      .split('│')
      .map((c) => c.trim());
    rows.push({ n, target, status, bytes, time, error });
  }
  return { rows, lines };
}

async function render(results: Result[], opts: { color?: boolean; onlyFailures?: boolean; width?: number } = {}) {
  const table = memoryOutput();
  const summary = memoryOutput();
  const rep = createTableReporter(table.out, {
    color: opts.color ?? false,
    summaryOut: summary.out,
    ...(opts.onlyFailures === undefined ? {} : { onlyFailures: opts.onlyFailures }),
    ...(opts.width === undefined ? {} : { width: opts.width }),
  });
  for (const r of results) rep.result(r);
  await rep.end(summaryOf(results));
  return { table: table.text(), summary: summary.text() };
}

const sample = (): Result[] => [
  makeResult({ index: 0, bytes: 1024, timings: { total: 3.14 } }),
  makeResult({ index: 1, name: 'health check', status: 301, bytes: 0, timings: { total: 45.6 } }),
  makeResult({ index: 2, status: 404, ok: false, failures: ['status 404 not in 200-399'] }),
  makeError(3, { code: 'refused', message: 'connect ECONNREFUSED 127.0.0.1:1' }),
  makeError(4, { code: 'invalid_target', message: 'not a URL: ::' }, { url: null, input: '::' }),
];

describe('table reporter', () => {
  it('prints one row per result in input order, 1-based, whatever the completion order', async () => {
    const results = Array.from({ length: 50 }, (_, i) => makeResult({ index: i }));
    const { table } = await render(shuffled(results));
    const { rows } = parseTable(table);
    expect(rows.map((r) => r.n)).toEqual(results.map((r) => String(r.index + 1)));
    expect(rows.map((r) => r.target)).toEqual(results.map((r) => `GET ${r.url}`));
  });

  it('fills each column from the result', async () => {
    const { rows } = parseTable((await render(shuffled(sample()))).table);
    expect(rows[0]).toEqual({
      n: '1',
      target: 'GET http://127.0.0.1:8080/item/0',
      status: '200',
      bytes: '1.0 KiB',
      time: '3.1 ms',
      error: '',
    });
    expect(rows[1]).toMatchObject({ target: 'health check', status: '301', bytes: '0 B', time: '46 ms' });
    expect(rows[2]).toMatchObject({ status: '404', error: 'status 404 not in 200-399' });
    expect(rows[3]).toMatchObject({ status: 'refused', bytes: '-', error: 'connect ECONNREFUSED 127.0.0.1:1' });
    expect(rows[4]).toMatchObject({ target: '::', status: 'invalid_target' });
  });

  it('writes the summary line to summaryOut', async () => {
    const { table, summary } = await render(sample());
    expect(summary.startsWith('5 targets: 2 ok, 3 failed')).toBe(true);
    expect(summary.endsWith('\n')).toBe(true);
    expect(table).not.toContain('targets:');
  });

  it('never lets server or user text put control characters on the terminal', async () => {
    const hostile = [
      makeResult({ index: 0, name: 'evil\x1b]0;pwned\x07name\r\nsecond line' }),
      makeError(1, { code: 'protocol', message: 'bad header \x1b[2J\x1b[H\u009b31m\ttab\u202e' }),
      makeResult({ index: 2, ok: false, failures: ['header x-a: "\x1b[5m" not "ok"', 'body lacks "\n"'] }),
    ];
    const { table } = await render(hostile);
    expect(table).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/);
    const { rows, lines } = parseTable(table);
    expect(rows).toHaveLength(3);
    expect(rows[0]?.target).toBe('evil\\x1b]0;pwned\\x07name\\r\\nsecond line');
    expect(rows[1]?.error).toContain('\\x1b[2J');
    // Every line has the same width: nothing broke a row.
    expect(new Set(lines.map(displayWidth)).size).toBe(1);
  });

  it('truncates long targets and errors to the width', async () => {
    const long = [
      makeResult({ index: 0, url: `http://127.0.0.1:8080/${'a'.repeat(300)}` }),
      makeError(1, { code: 'timeout', phase: 'body', message: `body timed out ${'b'.repeat(300)}` }),
    ];
    const { table } = await render(long, { width: 100 });
    const { rows, lines } = parseTable(table);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(100);
    expect(rows[0]?.target.endsWith('…')).toBe(true);
    expect(rows[1]?.error.endsWith('…')).toBe(true);
  });

  it('lists only failures when asked, in input order', async () => {
    const { table, summary } = await render(shuffled(sample()), { onlyFailures: true });
    expect(parseTable(table).rows.map((r) => r.n)).toEqual(['3', '4', '5']);
    expect(summary.startsWith('5 targets:')).toBe(true);
  });

  it('prints no table at all when nothing is left to list', async () => {
    const { table, summary } = await render([makeResult()], { onlyFailures: true });
    expect(table).toBe('');
    expect(summary).toContain('1 ok');
  });

  it('colours only when asked, without moving a single column', async () => {
    const results = sample();
    const plain = (await render(results)).table;
    const coloured = (await render(results, { color: true })).table;
    expect(plain).not.toContain('\x1b');
    expect(coloured).toContain('\x1b[32m200'); // 2xx green
    expect(coloured).toContain('\x1b[36m301'); // 3xx cyan
    expect(coloured).toContain('\x1b[33m404'); // 4xx yellow
    expect(coloured).toContain('\x1b[31mrefused'); // errors red
    expect(coloured.replace(SGR, '')).toBe(plain);
  });

  it('renders 10,000 rows, all of them, in order', async () => {
    const results = Array.from({ length: 10_000 }, (_, i) =>
      i % 10 === 0
        ? makeError(i, {
            code: 'timeout',
            phase: 'headers',
            message: `headers timed out after 1000 ms on 127.0.0.1:${i}`,
          })
        : makeResult({ index: i }),
    );
    const { table } = await render(results.reverse());
    const { rows } = parseTable(table);
    expect(rows).toHaveLength(10_000);
    expect(rows[9_999]?.n).toBe('10000');
    expect(rows.every((r, i) => r.n === String(i + 1))).toBe(true);
  });
});
