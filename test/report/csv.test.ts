import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, createCsvReporter } from '../../src/report/csv.js';
import type { Result } from '../../src/types.js';
import { arbRun } from './arbitraries.js';
import { makeError, makeResult, memoryOutput, shuffled, summaryOf } from './helpers.js';

/**
 * A strict RFC 4180 reader: records end with CRLF; a field is either unquoted (no `"`, `,`, CR
 * or LF) or quoted with `""` for a quote. Anything else throws, so sloppy output fails the test.
 */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let i = 0;
  while (i < text.length) {
    const record: string[] = [];
    for (;;) {
      let value = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= text.length) throw new Error('unterminated quoted field');
          const ch = text[i]!;
          if (ch === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
            } else {
              i++;
              break;
            }
          } else {
            value += ch;
            i++;
          }
        }
      } else {
        while (i < text.length && text[i] !== ',' && text[i] !== '\r') {
          const ch = text[i]!;
          if (ch === '"' || ch === '\n') throw new Error(`bare ${JSON.stringify(ch)} at ${i}`);
          value += ch;
          i++;
        }
      }
      record.push(value);
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text.startsWith('\r\n', i)) {
        i += 2;
        break;
      }
      throw new Error(`expected , or CRLF at ${i}`);
    }
    records.push(record);
  }
  return records;
}

async function run(results: readonly Result[]): Promise<string[][]> {
  const { out, text } = memoryOutput();
  const rep = createCsvReporter(out);
  for (const r of results) rep.result(r);
  await rep.end(summaryOf(results));
  return parseCsv(text());
}

/** What a row should hold for r, as strings. */
/** Control characters other than TAB, CR, LF as the text `\u00XX` (the one change CSV makes to data). */
const shown = (text: string): string =>
  text.replace(
    /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

function expectedRow(r: Result): string[] {
  const s = (v: number | null): string => (v === null ? '' : String(v));
  return [
    String(r.index),
    shown(r.input),
    shown(r.name ?? ''),
    shown(r.url ?? ''),
    r.method,
    s(r.status),
    String(r.ok),
    String(r.bytes),
    s(r.timings.dns),
    s(r.timings.connect),
    s(r.timings.tls),
    s(r.timings.firstByte),
    s(r.timings.total),
    String(r.reused),
    r.error?.code ?? '',
    r.error?.phase ?? '',
    shown(r.error?.message ?? ''),
    shown(r.failures.join('; ')),
    String(r.attempts),
    shown(r.redirects.map((h) => `${h.status} ${h.url}`).join('; ')),
    shown(r.finalUrl ?? ''),
    shown(r.remoteAddress ?? ''),
    r.tls?.protocol ?? '',
    r.tls?.daysLeft === undefined || r.tls?.daysLeft === null ? '' : String(r.tls.daysLeft),
    r.decodedBytes === null ? '' : String(r.decodedBytes),
    r.savedTo ?? '',
    r.sha256 ?? '',
    r.sha1 ?? '',
    r.md5 ?? '',
    r.httpVersion ?? '',
    r.change ?? '',
    r.cached === true ? 'true' : '',
  ];
}

describe('csv reporter', () => {
  it('writes the header then one row per result in input order', async () => {
    const results = [
      makeResult({ index: 0, name: 'home, "main"' }),
      makeError(1, { code: 'timeout', phase: 'connect', message: 'connect to 10.0.0.1:80 timed out after 2000 ms' }),
      makeResult({ index: 2, status: 500, ok: false, failures: ['status 500 not in 200-399', 'body lacks "ok"'] }),
    ];
    const [header, ...rows] = await run(shuffled(results));
    expect(header).toEqual([...CSV_COLUMNS]);
    expect(rows).toEqual(results.map(expectedRow));
    expect(rows[0]?.[2]).toBe('home, "main"');
    expect(rows[1]?.slice(14, 17)).toEqual(['timeout', 'connect', 'connect to 10.0.0.1:80 timed out after 2000 ms']);
    expect(rows[1]?.[5]).toBe(''); // no status
    expect(rows[2]?.[17]).toBe('status 500 not in 200-399; body lacks "ok"');
  });

  it('round-trips commas, quotes, CR and LF from servers and names', async () => {
    const tricky = 'a,b "c"\r\nd\ne\rf';
    const results = [makeError(0, { code: 'protocol', message: tricky }, { name: tricky, input: tricky })];
    const [, row] = await run(results);
    expect(row?.[1]).toBe(tricky);
    expect(row?.[2]).toBe(tricky);
    expect(row?.[16]).toBe(tricky);
  });

  it('writes control characters from servers as the text \\u009b, never raw (issue 12 item 9)', async () => {
    const message = 'bad \x9b31m header \x1b[2J and \x7f';
    const [, row] = await run([makeError(0, { code: 'protocol', message }, { input: 'http://h/\x85' })]);
    expect(row?.[16]).toBe('bad \\u009b31m header \\u001b[2J and \\u007f');
    expect(row?.[1]).toBe('http://h/\\u0085');
  });

  it('writes just the header for an empty run', async () => {
    expect(await run([])).toEqual([[...CSV_COLUMNS]]);
  });

  it('round-trips any run (property)', async () => {
    await fc.assert(
      fc.asyncProperty(arbRun, async (results) => {
        const [header, ...rows] = await run(results);
        expect(header).toEqual([...CSV_COLUMNS]);
        const expected = [...results].sort((a, b) => a.index - b.index).map(expectedRow);
        expect(rows).toEqual(expected);
      }),
      { numRuns: 100 },
    );
  });
});
