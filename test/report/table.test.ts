import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { Output } from '../../src/report/output.js';
import { createTableReporter } from '../../src/report/table.js';
import { displayWidth } from '../../src/report/sanitize.js';
import type { Result } from '../../src/types.js';
import { arbRun } from './arbitraries.js';
import { makeError, makeResult, memoryOutput, shuffled, summaryOf } from './helpers.js';

const SGR = /\x1b\[[0-9;]*m/g;

interface ParsedRow {
  n: string;
  target: string;
  status: string;
  bytes: string;
  time: string;
  /** Inline, or from the `↳` line under the row. */
  error: string;
}

const ROW = /^ *(\d+) {2}(.*?) +(\d+|-) {2} *(-|[\d.]+ (?:B|KiB|MiB|GiB|TiB)) {2} *([\d.]+ m?s)(?: {2}(.*))?$/;

/** Data rows of a rendered table: the header line, then rows, each maybe followed by its `↳` error line. */
function parseTable(text: string): { rows: ParsedRow[]; lines: string[] } {
  const lines = text.split('\n').filter((l) => l !== '');
  const rows: ParsedRow[] = [];
  for (const line of lines.slice(1)) {
    const under = /^ +↳ (.*)$/.exec(line);
    if (under !== null) {
      const last = rows[rows.length - 1];
      if (last !== undefined) last.error = under[1] ?? '';
      continue;
    }
    const m = ROW.exec(line);
    if (m === null) continue;
    rows.push({ n: m[1]!, target: m[2]!.trimEnd(), status: m[3]!, bytes: m[4]!, time: m[5]!, error: m[6] ?? '' });
  }
  return { rows, lines };
}

async function render(
  results: Result[],
  opts: {
    color?: boolean;
    onlyFailures?: boolean;
    width?: number;
    wrapReasons?: boolean;
    screenRows?: number;
    targetsKnown?: () => number;
  } = {},
): Promise<{ table: string; summary: string }> {
  const table = memoryOutput();
  const summary = memoryOutput();
  const rep = createTableReporter(table.out, {
    color: opts.color ?? false,
    summaryOut: summary.out,
    width: opts.width ?? 160,
    ...(opts.wrapReasons === undefined ? {} : { wrapReasons: opts.wrapReasons }),
    ...(opts.screenRows === undefined ? {} : { screenRows: opts.screenRows }),
    ...(opts.targetsKnown === undefined ? {} : { targetsKnown: opts.targetsKnown }),
    ...(opts.onlyFailures === undefined ? {} : { onlyFailures: opts.onlyFailures }),
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

const WIDTHS = [60, 80, 120, 200] as const;

describe('table reporter', () => {
  it('prints one row per result in input order, 1-based, whatever the completion order', async () => {
    const results = Array.from({ length: 50 }, (_, i) => makeResult({ index: i }));
    const { table } = await render(shuffled(results));
    const { rows } = parseTable(table);
    expect(rows.map((r) => r.n)).toEqual(results.map((r) => String(r.index + 1)));
    // GET, the default, goes unsaid.
    expect(rows.map((r) => r.target)).toEqual(results.map((r) => r.url));
  });

  it('fills each column from the result', async () => {
    const { rows } = parseTable((await render(shuffled(sample()))).table);
    expect(rows[0]).toEqual({
      n: '1',
      target: 'http://127.0.0.1:8080/item/0',
      status: '200',
      bytes: '1.0 KiB',
      time: '3.1 ms',
      error: '',
    });
    expect(rows[1]).toMatchObject({ target: 'health check', status: '301', bytes: '0 B', time: '46 ms' });
    expect(rows[2]).toMatchObject({ status: '404', error: 'status 404 not in 200-399' });
    expect(rows[3]).toMatchObject({ status: '-', bytes: '-', error: 'refused: connect ECONNREFUSED 127.0.0.1:1' });
    expect(rows[4]).toMatchObject({ target: '::', error: 'invalid_target: not a URL: ::' });
  });

  it('shows a method other than GET before the URL', async () => {
    const { rows } = parseTable((await render([makeResult({ method: 'POST' })])).table);
    expect(rows[0]?.target).toBe('POST http://127.0.0.1:8080/item/0');
  });

  it('writes the summary line to summaryOut', async () => {
    const { table, summary } = await render(sample());
    expect(summary.startsWith('5 targets: 2 ok, 3 failed')).toBe(true);
    expect(summary.endsWith('\n')).toBe(true);
    expect(table).not.toContain('targets:');
  });

  it('streams: a row is written once every earlier target has finished, before the run ends', async () => {
    const { out, text } = memoryOutput();
    // A sizing window of one result: rows stream from the first result on.
    const rep = createTableReporter(out, { color: false, summaryOut: out, width: 120, sizingWindow: 1 });
    rep.result(makeResult({ index: 1 }));
    await out.flush();
    expect(text()).toBe(''); // #1 waits for #0
    rep.result(makeResult({ index: 0 }));
    await out.flush();
    expect(parseTable(text()).rows.map((r) => r.n)).toEqual(['1', '2']);
    rep.result(makeResult({ index: 2 }));
    await out.flush();
    expect(parseTable(text()).rows.map((r) => r.n)).toEqual(['1', '2', '3']);
    await rep.end(summaryOf([]));
  });

  it('streams 200,000 rows: nearly all of the table is written before end() (issue 12 item 4)', async () => {
    let written = 0;
    let lines = 0;
    const stream = new Writable({
      decodeStrings: false,
      write(chunk: string, _enc, cb) {
        written += chunk.length;
        for (let i = chunk.indexOf('\n'); i !== -1; i = chunk.indexOf('\n', i + 1)) lines++;
        cb();
      },
    });
    const out = new Output(stream);
    const rep = createTableReporter(out, { color: false, summaryOut: out, width: 120 });
    const count = 200_000;
    for (let i = 0; i < count; i += 2) {
      rep.result(makeResult({ index: i + 1 }));
      rep.result(makeResult({ index: i }));
    }
    await out.flush();
    const before = lines;
    expect(before).toBe(count + 1); // header + every row, and end() not called yet
    expect(written).toBeGreaterThan(count * 50);
    await rep.end({ ...summaryOf([]), total: count, ok: count });
    expect(lines).toBe(count + 2); // + the summary
  }, 60_000);

  it('never lets server or user text put control characters on the terminal', async () => {
    const hostile = [
      makeResult({ index: 0, name: 'evil\x1b]0;pwned\x07name\r\nsecond line' }),
      makeError(1, { code: 'protocol', message: 'bad header \x1b[2J\x1b[H\u009b31m\ttab\u202e' }),
      makeResult({ index: 2, ok: false, failures: ['header x-a: "\x1b[5m" not "ok"', 'body lacks "\n"'] }),
    ];
    const { table } = await render(hostile);
    expect(table).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/);
    const { rows } = parseTable(table);
    expect(rows).toHaveLength(3);
    expect(rows[0]?.target).toBe('evil\\x1b]0;pwned\\x07name\\r\\nsecond line');
    expect(rows[1]?.error).toContain('\\x1b[2J');
  });

  it.each(WIDTHS)('no line is wider than %i columns, in any state (property)', async (width) => {
    const wide = [
      makeResult({ index: 0, url: `http://127.0.0.1:8080/${'a'.repeat(300)}/end-0` }),
      makeError(1, { code: 'timeout', phase: 'body', message: `body timed out ${'b '.repeat(300)}` }),
      makeResult({ index: 2, name: '名前'.repeat(80) }),
      makeResult({ index: 123_456, url: `https://${'sub.'.repeat(30)}example.com:8443/x` }),
    ];
    await fc.assert(
      fc.asyncProperty(arbRun, fc.boolean(), async (results, onlyFailures) => {
        const shifted = results.map((r) => ({ ...r, index: r.index + wide.length }));
        // As on a terminal: a long reason wraps (off a terminal it is printed whole, see below).
        const { table, summary } = await render([...wide, ...shifted], { width, onlyFailures, wrapReasons: true });
        for (const line of `${table}${summary}`.split('\n')) {
          expect(displayWidth(line.replace(SGR, '')), line).toBeLessThanOrEqual(width);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('an empty error column takes no space: all-ok rows end after the time', async () => {
    for (const width of WIDTHS) {
      const { table } = await render([makeResult({ index: 0 }), makeResult({ index: 1 })], { width });
      for (const line of table.split('\n')) expect(line).toBe(line.trimEnd());
      expect(parseTable(table).rows).toHaveLength(2);
    }
  });

  it('cuts a long target in the middle: scheme and host kept, rows differing at the end stay distinct', async () => {
    const base = `https://api.example.com/v2/${'segment/'.repeat(20)}items`;
    const results = [1001, 1002, 1003].map((n, i) => makeResult({ index: i, url: `${base}/${n}` }));
    for (const width of WIDTHS) {
      const { rows } = parseTable((await render(results, { width })).table);
      const targets = rows.map((r) => r.target);
      expect(new Set(targets).size, targets.join('\n')).toBe(3);
      for (const [i, t] of targets.entries()) {
        expect(t.startsWith('https://api.example.com')).toBe(true);
        expect(t.endsWith(`/${1001 + i}`)).toBe(true);
        expect(t).toContain('…');
      }
    }
  });

  it('puts the error under its row when the width leaves no room beside it', async () => {
    const results = [makeError(0, { code: 'refused', message: 'connect ECONNREFUSED 127.0.0.1:1' })];
    const narrow = (await render(results, { width: 80 })).table.split('\n');
    expect(narrow[2]).toMatch(/^ +↳ refused: connect ECONNREFUSED/);
    // The target column is sized to its 28-character URL: at 120 the error fits beside it.
    const medium = (await render(results, { width: 120 })).table.split('\n');
    expect(medium[1]).toMatch(/refused: connect ECONNREFUSED 127\.0\.0\.1:1$/);
    // A long URL takes the room: the error goes under its row.
    const long = [
      makeError(
        0,
        { code: 'refused', message: 'connect ECONNREFUSED 127.0.0.1:1' },
        { url: `http://127.0.0.1:1/${'p'.repeat(70)}` },
      ),
    ];
    const under = (await render(long, { width: 120 })).table.split('\n');
    expect(under[2]).toMatch(/^ +↳ refused: connect ECONNREFUSED/);
  });

  it('sizes the target column to its widest target, within the width (issue 23 item 3)', async () => {
    const results = [0, 1, 2].map((i) => makeResult({ index: i, url: `http://127.0.0.1:8080/items/${i}` }));
    for (const width of [120, 200]) {
      const { table } = await render(results, { width });
      const header = table.split('\n')[0] ?? '';
      // `  #  ` then the target column: as wide as `http://127.0.0.1:8080/items/0` (29), not the room left.
      expect(/target( +)status/.exec(header)?.[0].length, header).toBe(29 + 2 + 6);
    }
  });

  it('keeps the end of the URL when it cuts: rows differing in the last query value stay distinct', async () => {
    const base = 'http://127.0.0.1:8080/search?q=something&sort=desc&page=3&per_page=100&item=';
    const results = [1, 2].map((n, i) => makeResult({ index: i, url: `${base}${n}` }));
    for (const width of WIDTHS) {
      const { rows } = parseTable((await render(results, { width })).table);
      const targets = rows.map((r) => r.target);
      expect(new Set(targets).size, targets.join('\n')).toBe(2);
      expect(targets[0]?.startsWith('http://127.0.0.1:8080')).toBe(true);
      expect(targets[0]?.endsWith('&item=1')).toBe(true);
    }
  });

  it('prints a long reason whole off a terminal, and wraps it between words on one (issue 19 item 3)', async () => {
    const words = Array.from({ length: 80 }, (_, i) => `word${i}`).join(' ');
    const reason = `timeout: ${words}`.slice(0, 400);
    const results = [makeError(0, { code: 'timeout', message: reason.slice('timeout: '.length) })];
    const whole = (await render(results, { width: 160, wrapReasons: false })).table;
    expect(whole).not.toContain('…');
    expect(whole).toContain(`↳ ${reason}\n`);
    for (const width of [60, 80]) {
      const wrapped = (await render(results, { width, wrapReasons: true })).table;
      expect(wrapped).not.toContain('…');
      const lines = wrapped.split('\n').filter((l) => l !== '');
      for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(width);
      const under = lines.slice(2);
      expect(under.length).toBeGreaterThan(4);
      expect(under[0]).toMatch(/^ +↳ timeout: word0 /);
      // Only the first line has the arrow; the rest hang under its text; no word is cut.
      expect(under.slice(1).every((l) => /^ {7}\S/.test(l))).toBe(true);
      expect(under.map((l) => l.trim().replace(/^↳ /, '')).join(' ')).toBe(reason);
    }
  });

  it('counts ok rows instead of listing them once the targets outnumber the screen (issue 23 item 2)', async () => {
    const results = Array.from({ length: 300 }, (_, i) =>
      i === 150 ? makeError(i, { code: 'refused', message: 'refused' }) : makeResult({ index: i }),
    );
    const flaky = { ...makeResult({ index: 200 }), attempts: 3 };
    results[200] = flaky;
    const { table } = await render(shuffled(results), { screenRows: 40, targetsKnown: () => 300 });
    const { rows } = parseTable(table);
    expect(rows.map((r) => r.n)).toEqual(['151', '201']);
    expect(table).toContain('… 298 ok rows not shown (--all-rows lists them)\n');
    const all = await render(results, { targetsKnown: () => 300 });
    expect(parseTable(all.table).rows).toHaveLength(300);
  });

  it('wraps the summary between words at the width', async () => {
    const results = [
      ...sample(),
      makeError(5, { code: 'timeout', message: 'x' }),
      makeError(6, { code: 'dns', message: 'x' }),
    ];
    const oneLine = (await render(results, { width: 400 })).summary.trimEnd();
    const { summary } = await render(results, { width: 60 });
    const lines = summary.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(60);
    expect(lines.join(' ')).toBe(oneLine);
    for (const line of lines) expect(line.startsWith('·')).toBe(false);
  });

  it('collapses cancelled targets into one line, with --only-failures too', async () => {
    const results = [
      makeResult({ index: 0 }),
      makeError(1, { code: 'refused', message: 'connect ECONNREFUSED 127.0.0.1:1' }),
      ...Array.from({ length: 412 }, (_, i) => makeError(i + 2, { code: 'cancelled', message: 'run cancelled' })),
    ];
    for (const onlyFailures of [false, true]) {
      const { table } = await render(shuffled(results), { onlyFailures });
      expect(table).not.toContain('run cancelled');
      expect(table.match(/… 412 targets cancelled/g)).toHaveLength(1);
      expect(parseTable(table).rows.map((r) => r.n)).toEqual(onlyFailures ? ['2'] : ['1', '2']);
    }
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
    expect(coloured).toContain('\x1b[32m   200'); // 2xx green
    expect(coloured).toContain('\x1b[36m   301'); // 3xx cyan
    expect(coloured).toContain('\x1b[33m   404'); // 4xx yellow
    expect(coloured).toContain('\x1b[31mrefused'); // errors red
    expect(coloured.replace(SGR, '')).toBe(plain);
  });
});
