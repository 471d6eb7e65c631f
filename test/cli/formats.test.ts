/**
 * The output formats, read back the way their consumers read them: NDJSON line by line, the JSON
 * document whole, CSV with an RFC 4180 reader, JUnit with an XML reader, the table by its rows.
 * One target list covers success, a bad status, a transport error, an invalid target and a
 * name that needs CSV quoting; the three machine formats must agree on it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../src/types.js';
import { startHttpServer, startRefusedPort, type TestServer } from '../helpers/servers.js';
import { childrenNamed, parseXml, type XmlElement } from '../report/xml-reader.js';
import {
  csvObjects,
  expectNoCrash,
  parseJsonReport,
  parseNdjson,
  runCli,
  runOnTty,
  tempDir,
  type CliRun,
} from './harness.js';

let server: TestServer;
let refusedPort: number;
let tmp: Awaited<ReturnType<typeof tempDir>>;
/** The mixed target list, as a JSON file. */
let listFile: string;
let targets: unknown[];

beforeAll(async () => {
  server = await startHttpServer();
  refusedPort = await startRefusedPort();
  tmp = await tempDir();
  targets = [
    `${server.url}/ok?t=plain`,
    `${server.url}/status/404`,
    `http://127.0.0.1:${refusedPort}/refused`,
    `${server.url}/has space`,
    { url: `${server.url}/ok?a=1,2`, name: 'he said "hi", twice' },
    { url: `${server.url}/echo`, method: 'POST', body: 'x,y', expect: { bodyIncludes: 'not "there"' } },
  ];
  listFile = await tmp.file('list.json', JSON.stringify(targets));
});
afterAll(async () => {
  await server.close();
  await tmp.cleanup();
});

const RESULT_KEYS = [
  'index',
  'input',
  'url',
  'method',
  'status',
  'ok',
  'bytes',
  'timings',
  'reused',
  'httpVersion',
  'error',
  'failures',
  'attempts',
  'redirects',
  'finalUrl',
  'remoteAddress',
  'tls',
  'decodedBytes',
  'savedTo',
];
const TIMING_KEYS = ['dns', 'connect', 'tls', 'firstByte', 'total'];

/** What must be identical between two runs over the same targets (timings and reuse may vary). */
function stable(r: Result) {
  return {
    index: r.index,
    input: r.input,
    name: r.name ?? null,
    url: r.url,
    method: r.method,
    status: r.status,
    ok: r.ok,
    bytes: r.bytes,
    error: r.error === null ? null : { code: r.error.code, phase: r.error.phase ?? null, message: r.error.message },
    failures: r.failures,
  };
}

/** A CSV row turned back into the same shape (empty field = null, failures joined with "; "). */
function stableFromCsv(row: Record<string, string>) {
  const nullable = (s: string | undefined) => (s === undefined || s === '' ? null : s);
  const numOrNull = (s: string | undefined) => (s === undefined || s === '' ? null : Number(s));
  return {
    index: Number(row.index),
    input: row.input,
    name: nullable(row.name),
    url: nullable(row.url),
    method: row.method,
    status: numOrNull(row.status),
    ok: row.ok === 'true',
    bytes: Number(row.bytes),
    error:
      row.error_code === ''
        ? null
        : { code: row.error_code, phase: nullable(row.error_phase), message: row.error_message },
    failures: row.failures === '' ? [] : (row.failures ?? '').split('; '),
  };
}

function expectExitFailed(run: CliRun): void {
  // The list holds failing targets on purpose.
  expect(run.code, run.stderr).toBe(1);
  expectNoCrash(run);
}

describe('--ndjson', () => {
  it('writes one parseable object per target with exactly the documented fields', async () => {
    const run = await runCli(['--ndjson', listFile]);
    expectExitFailed(run);
    const results = parseNdjson(run.stdout);
    expect(results.map((r) => r.index).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    for (const r of results) {
      // `source`: the targets came from a file (list.json).
      const expectedKeys = [
        ...RESULT_KEYS,
        ...(r.name === undefined ? [] : ['name']),
        'source',
        // The one target with a body (issue 20: part of its identity across runs).
        ...(r.method === 'POST' ? ['requestBodySha256'] : []),
      ];
      expect(Object.keys(r).sort()).toEqual([...expectedKeys].sort());
      expect(Object.keys(r.timings).sort()).toEqual([...TIMING_KEYS].sort());
      expect(typeof r.timings.total).toBe('number');
      for (const k of ['dns', 'connect', 'tls', 'firstByte'] as const) {
        expect(r.timings[k] === null || typeof r.timings[k] === 'number').toBe(true);
      }
      if (r.error !== null) {
        expect(Object.keys(r.error).filter((k) => !['code', 'phase', 'message'].includes(k))).toEqual([]);
      }
      expect(Array.isArray(r.failures)).toBe(true);
    }
    const byIndex = [...results].sort((a, b) => a.index - b.index);
    expect(byIndex.map((r) => r.ok)).toEqual([true, false, false, false, true, false]);
    expect(byIndex[1]?.status).toBe(404);
    expect(byIndex[2]?.error?.code).toBe('refused');
    expect(byIndex[3]?.error?.code).toBe('invalid_target');
    expect(byIndex[3]?.url).toBeNull();
    expect(byIndex[4]?.name).toBe('he said "hi", twice');
    expect(byIndex[5]?.failures).toHaveLength(1);
    expect(byIndex[0]?.timings.tls).toBeNull(); // plain http has no TLS phase
    // One line holds the whole array: every target is on line 1 of list.json.
    expect(byIndex.map((r) => r.source)).toEqual(byIndex.map(() => ({ file: listFile, line: 1 })));
  });

  it('keeps the summary off stdout and writes it to stderr', async () => {
    const run = await runCli(['--ndjson', listFile]);
    expectExitFailed(run);
    expect(parseNdjson(run.stdout)).toHaveLength(6); // every stdout line is a result
    expect(run.stderr).toMatch(/6 targets/);
  });
});

describe('--json', () => {
  it('is one document with results in input order and a summary', async () => {
    const run = await runCli(['--json', listFile]);
    expectExitFailed(run);
    const doc = parseJsonReport(run.stdout);
    expect(doc.results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(doc.results.map((r) => r.input)).toEqual(
      targets.map((t) => (typeof t === 'string' ? t : JSON.stringify(t))),
    );
    expect(doc.summary.total).toBe(6);
    expect(doc.summary.ok).toBe(2);
    expect(doc.summary.failed).toBe(4);
    expect(run.stderr).toMatch(/6 targets/);
  });
});

describe('--csv', () => {
  it('parses as RFC 4180 with a header row and one row per target in input order', async () => {
    const run = await runCli(['--csv', listFile]);
    expectExitFailed(run);
    const rows = csvObjects(run.stdout);
    expect(rows.map((r) => r.index)).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(rows[4]?.name).toBe('he said "hi", twice');
    expect(rows[4]?.url).toBe(`${server.url}/ok?a=1,2`);
    for (const row of rows) {
      expect(row.total).toMatch(/^\d+(\.\d+)?$/);
      for (const k of ['dns', 'connect', 'tls', 'firstByte']) expect(row[k]).toMatch(/^(\d+(\.\d+)?)?$/);
    }
    expect(run.stderr).toMatch(/6 targets/);
  });
});

describe('the machine formats agree', () => {
  it('--json, --csv and --ndjson report the same results for the same targets', async () => {
    const [json, csv, ndjson] = await Promise.all([
      runCli(['--json', listFile]),
      runCli(['--csv', listFile]),
      runCli(['--ndjson', listFile]),
    ]);
    const fromJson = parseJsonReport(json.stdout).results.map(stable);
    const fromNdjson = parseNdjson(ndjson.stdout)
      .sort((a, b) => a.index - b.index)
      .map(stable);
    const fromCsv = csvObjects(csv.stdout).map(stableFromCsv);
    expect(fromNdjson).toEqual(fromJson);
    expect(fromCsv).toEqual(fromJson);
    expect([json.code, csv.code, ndjson.code]).toEqual([1, 1, 1]);
  });
});

describe('--junit', () => {
  it('writes well-formed XML with one testcase per target, alongside stdout output', async () => {
    const xmlPath = `${tmp.dir}/report.xml`;
    const run = await runCli(['--json', '--junit', xmlPath, listFile]);
    expectExitFailed(run);
    expect(parseJsonReport(run.stdout).results).toHaveLength(6);
    const { readFile } = await import('node:fs/promises');
    const root = parseXml(await readFile(xmlPath, 'utf8'));
    const suites: XmlElement[] = root.name === 'testsuites' ? childrenNamed(root, 'testsuite') : [root];
    const cases = suites.flatMap((s) => childrenNamed(s, 'testcase'));
    expect(cases).toHaveLength(6);
    const outcome = (c: XmlElement) =>
      c.children.map((ch) => ch.name).find((n) => ['failure', 'error', 'skipped'].includes(n)) ?? 'passed';
    expect(cases.map(outcome)).toEqual(['passed', 'failure', 'error', 'error', 'passed', 'failure']);
    expect(cases[4]?.attrs.name).toBe('he said "hi", twice');
    expect(suites[0]?.attrs.tests).toBe('6');
  });
});

describe('table (default)', () => {
  /**
   * Data rows of the table: [#, target, status, bytes, time, error], the error taken from the
   * row or from its `↳` line.
   */
  function tableRows(stdout: string): string[][] {
    const rows: string[][] = [];
    const row = /^ *(\d+) {2}(.*?) +(\d+|-) {2} *(-|[\d.]+ (?:B|KiB|MiB)) {2} *([\d.]+ m?s)(?: {2}(.*))?$/;
    for (const line of stdout.split('\n')) {
      const under = /^ +↳ (.*)$/.exec(line);
      const last = rows[rows.length - 1];
      if (under !== null && last !== undefined) last[5] = under[1] ?? '';
      const m = row.exec(line);
      if (m !== null) rows.push([m[1]!, m[2]!.trimEnd(), m[3]!, m[4]!, m[5]!, m[6] ?? '']);
    }
    return rows;
  }

  it('prints one row per target in input order, and no ANSI escapes when stdout is not a TTY', async () => {
    // Issue 9: FORCE_COLOR now forces colour as Node CLIs do (test/cli/color.test.ts); without it, none.
    const run = await runCli([listFile]);
    expectExitFailed(run);
    expect(run.stdout).not.toContain('\u001b');
    expect(run.stderr).not.toContain('\u001b');
    const rows = tableRows(run.stdout);
    expect(rows.map((r) => r[0])).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(rows[1]?.[2]).toBe('404');
    expect(rows[2]?.[5]).toMatch(/^refused: /);
    // An invalid target says where it is written, compiler style: that line is the one to edit.
    expect(rows[3]?.[5]).toMatch(/\/list\.json:1: invalid_target: /);
    expect(rows[4]?.[1]).toBe('he said "hi", twice');
    // The summary line follows the table on stdout.
    expect(run.stdout).toMatch(/6 targets: 2 ok, 4 failed/);
  });

  it('--only-failures lists only failed targets, while the summary counts all', async () => {
    const run = await runCli(['--only-failures', listFile]);
    expectExitFailed(run);
    expect(tableRows(run.stdout).map((r) => r[0])).toEqual(['2', '3', '4', '6']);
    expect(run.stdout).toMatch(/6 targets: 2 ok, 4 failed/);
  });

  it('--only-failures also filters --json and --ndjson, not the summary', async () => {
    const json = await runCli(['--only-failures', '--json', listFile]);
    const doc = parseJsonReport(json.stdout);
    expect(doc.results.map((r) => r.index)).toEqual([1, 2, 3, 5]);
    expect(doc.summary.total).toBe(6);
    const nd = await runCli(['--only-failures', '--ndjson', listFile]);
    expect(parseNdjson(nd.stdout).every((r) => !r.ok)).toBe(true);
    expect(parseNdjson(nd.stdout)).toHaveLength(4);
  });
});

describe('colour on a terminal', () => {
  /** Stdout on a pseudo-terminal, where colour is on by default, so NO_COLOR and --no-color have something to turn off. */
  const onTty = async (args: string[], env: Record<string, string> = {}): Promise<string> =>
    (await runOnTty(['--no-progress', ...args], env)).output;
  const targetsOnTty = (): string[] => [`${server.url}/ok`, `${server.url}/status/404`];

  it('colours the table on a TTY, and NO_COLOR or --no-color turn it off', async () => {
    const coloured = await onTty(targetsOnTty());
    expect(coloured).toContain('404'); // the run really happened
    expect(coloured).toMatch(/\u001b\[\d+m/);
    const noColorEnv = await onTty(targetsOnTty(), { NO_COLOR: '1' });
    expect(noColorEnv).toContain('404');
    expect(noColorEnv).not.toMatch(/\u001b\[\d+m/);
    const noColorFlag = await onTty(['--no-color', ...targetsOnTty()]);
    expect(noColorFlag).toContain('404');
    expect(noColorFlag).not.toMatch(/\u001b\[\d+m/);
  });
});
