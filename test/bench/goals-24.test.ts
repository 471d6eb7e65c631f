import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SuiteResults } from '../../bench/goals.js';
import { evaluateIssue24, floorNotes, httpsGoals } from '../../bench/goals-24.js';
import {
  type HttpsFigures,
  type HttpsSummary,
  readHttpsSummary,
  recordHttpsSection,
  SECTION_END,
  SECTION_HEADING,
  SUMMARY_VERSION,
} from '../../bench/https-summary.js';

const noSuite: SuiteResults = { summaries: new Map(), shape: new Map(), startup: null, origins: 10 };

function figures(wallMs: number, cpuUs: number, rssMiB: number, version: string, requests = 10_000): HttpsFigures {
  return {
    wallMs,
    cpuUsPerRequest: cpuUs,
    maxRssKiB: rssMiB * 1024,
    requests,
    exits: [0, 0, 0],
    versions: { [version]: requests },
  };
}

function summary(runId: string | null, over: Partial<Record<string, Partial<Record<string, HttpsFigures>>>> = {}) {
  const base: HttpsSummary = {
    version: SUMMARY_VERSION,
    runId,
    finished: '2026-12-05T19:00:00.000Z',
    runs: 3,
    quick: false,
    workloads: {
      // fetch-many meets every goal here: 0.80 × wall, 0.90 × CPU, 0.50 × wall and 1.5 × RSS.
      h1: { 'fetch-many': figures(800, 90, 60, '1.1'), curl: figures(1000, 80, 20, '1.1') },
      close: {
        'fetch-many': figures(2000, 900, 80, '1.1', 2000),
        curl: figures(1800, 1000, 20, '1.1', 2000),
        'node floor': figures(2100, 1200, 70, '1.1', 2000),
      },
      h2: {
        'fetch-many': figures(500, 50, 30, '2'),
        curl: figures(1000, 40, 20, '2'),
        'node floor': figures(400, 45, 60, '2'),
      },
      h2o: { 'fetch-many': figures(550, 50, 30, '2'), curl: figures(1000, 40, 25, '2') },
    },
  };
  for (const [id, peers] of Object.entries(over)) base.workloads[id] = { ...base.workloads[id], ...peers } as never;
  return base;
}

describe('issue 24 HTTPS goals', () => {
  it('has one row per HTTPS goal, each met when the ratio is within its bound', () => {
    const rows = httpsGoals(summary('r1'));
    expect(rows.map((r) => [r.workload, r.goal, r.measured, r.met])).toEqual([
      ['10k https keep-alive, HTTP/1.1', 'wall ≤ 0.90 × curl', '0.80 ×', true],
      ['2k https, new TLS connection per request', 'CPU/req ≤ 1.00 × curl', '0.90 ×', true],
      ['10k https over HTTP/2 (nginx)', 'wall ≤ 0.60 × curl', '0.50 ×', true],
      ['10k https over HTTP/2 (nginx)', 'peak RSS ≤ 2.00 × curl', '1.50 ×', true],
      ['10k https over HTTP/2 (h2o)', 'wall ≤ 0.60 × curl', '0.55 ×', true],
      ['10k https over HTTP/2 (h2o)', 'peak RSS ≤ 2.00 × curl', '1.20 ×', true],
    ]);
    expect(rows[0]?.fetchMany).toBe('0.80 s, 90 µs/req');
    expect(rows[3]?.curl).toBe('20.0 MiB');
  });

  it('marks a ratio over its bound missed', () => {
    const rows = httpsGoals(
      summary('r1', {
        h1: { 'fetch-many': figures(950, 90, 60, '1.1') },
        close: { 'fetch-many': figures(2000, 1010, 80, '1.1', 2000) },
        h2: { 'fetch-many': figures(700, 50, 45, '2') },
        h2o: { 'fetch-many': figures(610, 50, 51, '2') },
      }),
    );
    expect(rows.map((r) => [r.measured, r.met])).toEqual([
      ['0.95 ×', false],
      ['1.01 ×', false],
      ['0.70 ×', false],
      ['2.25 ×', false],
      ['0.61 ×', false],
      ['2.04 ×', false],
    ]);
  });

  it('misses the h2 goals when fetch-many did not get every response over HTTP/2', () => {
    const h2 = { ...figures(300, 50, 30, '2'), versions: { '2': 9000, '1.1': 1000 } };
    const rows = httpsGoals(summary('r1', { h2: { 'fetch-many': h2 }, h2o: { 'fetch-many': h2 } }));
    for (const row of [rows[2], rows[3], rows[4], rows[5]]) {
      expect(row?.met).toBe(false);
      expect(row?.measured).toContain('not every response on HTTP/2');
    }
  });

  it('gives no verdict when a peer failed a run or counted fewer responses', () => {
    const failed = { ...figures(800, 90, 60, '1.1'), exits: [0, 1, 0] };
    const short = { ...figures(1000, 80, 20, '2'), versions: { '2': 9999 } };
    const rows = httpsGoals(summary('r1', { h1: { 'fetch-many': failed }, h2: { curl: short } }));
    expect(rows[0]).toMatchObject({ fetchMany: 'failed (exit 0,1,0; 10000 of 10000 responses)', met: null });
    expect(rows[2]).toMatchObject({ curl: 'failed (exit 0,0,0; 9999 of 10000 responses)', met: null });
    expect(rows[1]?.met).toBe(true);
  });

  it('says "not run" for every HTTPS row without a summary of this run, and for a workload it skipped (no h2o)', () => {
    for (const row of httpsGoals(null)) expect(row).toMatchObject({ fetchMany: 'not run', curl: 'not run', met: null });
    const only = summary('r1');
    delete only.workloads.h1;
    delete only.workloads.h2o;
    const rows = httpsGoals(only);
    expect(rows[0]).toMatchObject({ workload: '10k https keep-alive, HTTP/1.1', fetchMany: 'not run' });
    expect(rows[4]).toMatchObject({ workload: '10k https over HTTP/2 (h2o)', fetchMany: 'not run', met: null });
    expect(rows[1]?.met).toBe(true);
  });

  it('puts the HTTPS rows in the issue 24 table in the issue order, between (b) and (p)', () => {
    const without = evaluateIssue24(noSuite);
    expect(without).toHaveLength(11);
    expect(without.slice(3, 9).every((r) => r.met === null && r.fetchMany === 'not run')).toBe(true);
    const withHttps = evaluateIssue24(noSuite, summary('r1'));
    expect(withHttps.slice(3, 9).map((r) => r.met)).toEqual([true, true, true, true, true, true]);
    expect(withHttps[2]?.workload).toContain('(b)');
    expect(withHttps[9]?.workload).toContain('(p)');
  });

  it('notes the node floor beside fetch-many and curl where it ran', () => {
    const notes = floorNotes(noSuite, summary('r1'));
    // h1 and h2o have no floor in this summary: only no-reuse and the two nginx h2 figures.
    expect(notes).toEqual([
      '2k https, new TLS connection per request, CPU/req: fetch-many 900 µs/req, node floor 1200 µs/req, curl 1000 µs/req; fetch-many ÷ floor 0.75 ×, floor ÷ curl 1.20 ×',
      '10k https over HTTP/2 (nginx), wall: fetch-many 0.50 s, node floor 0.40 s, curl 1.00 s; fetch-many ÷ floor 1.25 ×, floor ÷ curl 0.40 ×',
      '10k https over HTTP/2 (nginx), peak RSS: fetch-many 30.0 MiB, node floor 60.0 MiB, curl 20.0 MiB; fetch-many ÷ floor 0.50 ×, floor ÷ curl 3.00 ×',
    ]);
    expect(floorNotes(noSuite)).toEqual([]);
  });
});

describe('the HTTPS summary file', () => {
  let dir = '';
  afterEach(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
    dir = '';
  });
  const write = (content: string): string => {
    dir = mkdtempSync(join(tmpdir(), 'fm-https-summary-'));
    const file = join(dir, 'summary.json');
    writeFileSync(file, content);
    return file;
  };

  it('is read when it carries this run id', () => {
    const file = write(JSON.stringify(summary('123-456')));
    expect(readHttpsSummary(file, '123-456')?.workloads.h1?.curl?.wallMs).toBe(1000);
  });

  it('is ignored when it is stale: another run, or https.ts run alone', () => {
    expect(readHttpsSummary(write(JSON.stringify(summary('123-455'))), '123-456')).toBeNull();
    rmSync(dir, { recursive: true });
    expect(readHttpsSummary(write(JSON.stringify(summary(null))), '123-456')).toBeNull();
  });

  it('is ignored when missing, not JSON, or of another version', () => {
    expect(readHttpsSummary(join(tmpdir(), 'fm-no-such-dir', 'summary.json'), 'x')).toBeNull();
    expect(readHttpsSummary(write('{"version":1,"runId":"x"'), 'x')).toBeNull();
    rmSync(dir, { recursive: true });
    expect(readHttpsSummary(write(JSON.stringify({ ...summary('x'), version: 0 })), 'x')).toBeNull();
  });

  it('its section replaces the one in the results file, or is appended', () => {
    const section = `${SECTION_HEADING}\n\nnew\n\n${SECTION_END}\n`;
    const old = `# Results\n\n${SECTION_HEADING}\n\nold\n\n${SECTION_END}\n\n## Next\n`;
    expect(recordHttpsSection(old, section)).toBe(
      `# Results\n\n${SECTION_HEADING}\n\nnew\n\n${SECTION_END}\n\n## Next\n`,
    );
    expect(recordHttpsSection('# Results\n', section)).toBe(`# Results\n\n${section}`);
  });
});
