/**
 * `--baseline` and `--fail-on new` (issue 20): a list run twice against a server whose answers
 * change between the runs. Every `change` value is produced and counted, in every format, and
 * `--fail-on new` exits on new failures only.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../src/types.js';
import { parseXml, type XmlElement } from '../report/xml-reader.js';
import { csvObjects, expectNoCrash, parseJsonReport, parseNdjson, runCli, tempDir } from '../cli/harness.js';
import { type ChangingServer, startChangingServer } from './server.js';

let server: ChangingServer;
let tmp: Awaited<ReturnType<typeof tempDir>>;
let baseline: string;
let second: string;
let onlyOld: string;

/** Run 1 → run 2: what each target becomes. */
const EXPECTED: Record<string, Result['change']> = {
  '/a': 'ok',
  '/b': 'new-failure',
  '/c': 'still-failing',
  '/d': 'fixed',
  '/e': 'new',
  'POST /p y': 'new',
};
const GONE = ['/f', 'POST /p x'];

const key = (r: Result): string => {
  const path = new URL(r.url ?? '').pathname;
  return r.method === 'POST' ? `POST ${path} ${r.requestBodySha256 === SHA_X ? 'x' : 'y'}` : path;
};
const SHA_X = '2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881'; // sha256("x")

const list = (paths: string[], posts: string[]): string =>
  JSON.stringify([
    ...paths.map((p) => `${server.base}${p}`),
    ...posts.map((body) => ({ url: `${server.base}/p`, method: 'POST', body })),
  ]);

beforeAll(async () => {
  server = await startChangingServer();
  tmp = await tempDir();
  // Run 1: a, b ok; c, d failing; f ok; POST /p with body x ok.
  server.status.set('/c', 500).set('/d', 500);
  const first = await tmp.file('first.json', list(['/a', '/b', '/c', '/d', '/f'], ['x']));
  const run1 = await runCli(['--ndjson', first]);
  expect(run1.code, run1.stderr).toBe(1);
  baseline = await tmp.file('baseline.ndjson', run1.stdout);
  // Run 2: b breaks, d is fixed, e is new, f is gone, POST /p now sends y (a new target) and fails.
  server.status.set('/b', 503).set('/d', 200).set('POST /p y', 500);
  second = await tmp.file('second.json', list(['/a', '/b', '/c', '/d', '/e'], ['y']));
  onlyOld = await tmp.file('only-old.json', list(['/a', '/c', '/d'], []));
});
afterAll(async () => {
  await server.close();
  await tmp.cleanup();
});

const FORMATS = [[], ['--ndjson'], ['--json'], ['--csv'], ['--markdown'], ['-q', '--junit']] as const;

describe('--baseline', () => {
  it('NDJSON: every result carries its change; gone targets come last, once each', async () => {
    const run = await runCli(['--ndjson', '--baseline', baseline, second]);
    expectNoCrash(run);
    expect(run.code, run.stderr).toBe(1);
    const results = parseNdjson(run.stdout);
    const current = results.filter((r) => r.change !== 'gone');
    const gone = results.slice(current.length);
    expect(gone.every((r) => r.change === 'gone')).toBe(true);
    expect(Object.fromEntries(current.map((r) => [key(r), r.change]))).toEqual(EXPECTED);
    expect(gone.map(key).sort()).toEqual([...GONE].sort());
    expect(run.stderr).toMatch(/1 new failure, 1 still failing, 1 fixed, 2 new, 2 gone/);
  });

  it('JSON: changes in the results and counted in the summary (gone not in total)', async () => {
    const run = await runCli(['--json', '--baseline', baseline, second]);
    expect(run.code, run.stderr).toBe(1);
    const report = parseJsonReport(run.stdout);
    const summary = report.summary as unknown as { total: number; changes: Record<string, number> };
    expect(summary.total).toBe(6);
    expect(summary.changes).toEqual({ 'new-failure': 1, 'still-failing': 1, fixed: 1, ok: 1, new: 2, gone: 2 });
    const byChange = (c: string) => report.results.filter((r) => r.change === c).map(key);
    expect(byChange('gone').sort()).toEqual([...GONE].sort());
    expect(byChange('new-failure')).toEqual(['/b']);
  });

  it('CSV: a change column; gone rows last', async () => {
    const run = await runCli(['--csv', '--baseline', baseline, second]);
    expect(run.code, run.stderr).toBe(1);
    const rows = csvObjects(run.stdout);
    expect(rows.map((r) => r.change)).toEqual([
      'ok',
      'new-failure',
      'still-failing',
      'fixed',
      'new',
      'new',
      'gone',
      'gone',
    ]);
  });

  it('JUnit: a change property per case; gone targets skipped; new failures say so', async () => {
    const junit = `${tmp.dir}/report.xml`;
    const run = await runCli(['-q', '--junit', junit, '--baseline', baseline, second]);
    expect(run.code, run.stderr).toBe(1);
    const doc = parseXml(await readFile(junit, 'utf8'));
    const cases: XmlElement[] = [];
    const walk = (e: XmlElement): void => {
      if (e.name === 'testcase') cases.push(e);
      for (const c of e.children) walk(c);
    };
    walk(doc);
    const prop = (c: XmlElement): string | undefined => {
      const props = c.children.find((x) => x.name === 'properties');
      const p = props?.children.find((x) => x.attrs.name === 'change');
      return p?.attrs.value;
    };
    expect(cases.map(prop)).toEqual(['ok', 'new-failure', 'still-failing', 'fixed', 'new', 'new', 'gone', 'gone']);
    const skipped = cases.filter((c) => c.children.some((x) => x.name === 'skipped'));
    expect(skipped).toHaveLength(2);
    const failure = cases[1]!.children.find((x) => x.name === 'failure');
    expect(failure?.attrs.message).toMatch(/^new failure: /);
  });

  it('Markdown: new failures lead, then the ones still failing, then gone targets', async () => {
    const run = await runCli(['--markdown', '--baseline', baseline, second]);
    expect(run.code, run.stderr).toBe(1);
    const md = run.stdout;
    const at = (s: string) => md.indexOf(s);
    expect(at('#### New failures')).toBeGreaterThan(0);
    expect(at('/b')).toBeGreaterThan(at('#### New failures'));
    expect(at('#### Still failing')).toBeGreaterThan(at('/b'));
    expect(at('/c')).toBeGreaterThan(at('#### Still failing'));
    expect(at('#### Gone')).toBeGreaterThan(at('/c'));
    expect(md).toMatch(/1 new failure, 1 still failing, 1 fixed, 2 new, 2 gone/);
  });

  it('the table marks changes and the summary line counts them', async () => {
    const run = await runCli(['--baseline', baseline, second], { env: { COLUMNS: '160' } });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/\[new failure\] http:\/\/127\.0\.0\.1:\d+\/b/);
    expect(run.stdout).toMatch(/\[fixed\] http:\/\/127\.0\.0\.1:\d+\/d/);
    expect(run.stdout).toMatch(/\[new\] http:\/\/127\.0\.0\.1:\d+\/e/);
    expect(run.stdout).toMatch(/\[gone\] http:\/\/127\.0\.0\.1:\d+\/f/);
    expect(run.stdout).toMatch(/1 new failure, 1 still failing, 1 fixed, 2 new, 2 gone/);
  });

  it('--baseline given twice (shards) reads both', async () => {
    const lines = (await readFile(baseline, 'utf8')).trimEnd().split('\n');
    const a = await tmp.file('shard-a.ndjson', `${lines.filter((_, i) => i % 2 === 0).join('\n')}\n`);
    const b = await tmp.file('shard-b.ndjson', `${lines.filter((_, i) => i % 2 === 1).join('\n')}\n`);
    const run = await runCli(['--ndjson', '--baseline', a, '--baseline', b, second]);
    const current = parseNdjson(run.stdout).filter((r) => r.change !== 'gone');
    expect(Object.fromEntries(current.map((r) => [key(r), r.change]))).toEqual(EXPECTED);
  });
});

describe('--fail-on new', () => {
  for (let format of FORMATS as readonly (readonly string[])[]) {
    const name = format.at(-1) ?? 'table';
    it(`${name}: exit 0 with only old failures, 1 with a new one (default: 1 for any failure)`, async () => {
      if (format.at(-1) === '--junit') format = [...format, `${tmp.dir}/fail-on.xml`] as never;
      const old = await runCli([...format, '--fail-on', 'new', '--baseline', baseline, onlyOld]);
      expectNoCrash(old);
      expect(old.code, old.stderr).toBe(0);
      const any = await runCli([...format, '--baseline', baseline, onlyOld]);
      expect(any.code, any.stderr).toBe(1);
      const fresh = await runCli([...format, '--fail-on', 'new', '--baseline', baseline, second]);
      expect(fresh.code, fresh.stderr).toBe(1);
    });
  }

  it('-q says how many failures are new', async () => {
    const run = await runCli(['-q', '--fail-on', 'new', '--baseline', baseline, second]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('fetch-many: 1 new failure (3 of 6 targets failed)\n');
  });

  it('without --baseline, or with a bad baseline file, is a usage error', async () => {
    const none = await runCli(['--fail-on', 'new', second]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--fail-on new needs --baseline/);
    const bad = await tmp.file('bad.ndjson', '{"index":0}\n');
    const run = await runCli(['--baseline', bad, second]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^fetch-many: --baseline: .*bad\.ndjson line 1: /);
    const missing = await runCli(['--baseline', `${tmp.dir}/nope.ndjson`, second]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--baseline: cannot read/);
  });
});
