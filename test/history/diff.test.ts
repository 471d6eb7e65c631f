/**
 * `fetch-many diff OLD NEW` (issue 20, item 2): the changes `--baseline` gives, without
 * fetching, in every format; exit 1 only on new failures; and, as a property over random pairs
 * of real runs against a loopback server, the same answer as `--baseline` on the same pair.
 */
import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../src/types.js';
import { csvObjects, expectNoCrash, parseJsonReport, parseNdjson, runCli, tempDir } from '../cli/harness.js';
import { type ChangingServer, startChangingServer } from './server.js';

let server: ChangingServer;
let tmp: Awaited<ReturnType<typeof tempDir>>;
let oldFile: string;
let newFile: string;
let fixedOnly: string;

const path = (r: Result): string => new URL(r.url ?? '').pathname;

beforeAll(async () => {
  server = await startChangingServer();
  tmp = await tempDir();
  const url = (p: string) => `${server.base}${p}`;
  server.status.set('/c', 500).set('/d', 500);
  const run1 = await runCli(['--ndjson', url('/a'), url('/b'), url('/c'), url('/d'), url('/f')]);
  oldFile = await tmp.file('old.ndjson', run1.stdout);
  server.status.set('/b', 503).set('/d', 200);
  const run2 = await runCli(['--ndjson', url('/a'), url('/b'), url('/c'), url('/d'), url('/e')]);
  newFile = await tmp.file('new.ndjson', run2.stdout);
  server.status.set('/b', 200);
  const run3 = await runCli(['--ndjson', url('/a'), url('/c'), url('/d')]);
  fixedOnly = await tmp.file('fixed-only.ndjson', run3.stdout);
});
afterAll(async () => {
  await server.close();
  await tmp.cleanup();
});

const CHANGES = { '/a': 'ok', '/b': 'new-failure', '/c': 'still-failing', '/d': 'fixed', '/e': 'new', '/f': 'gone' };

describe('fetch-many diff', () => {
  it('NDJSON: the results of NEW with their changes, then gone targets; exit 1 for the new failure', async () => {
    const run = await runCli(['diff', '--ndjson', oldFile, newFile]);
    expectNoCrash(run);
    expect(run.code, run.stderr).toBe(1);
    const results = parseNdjson(run.stdout);
    // NEW's own order (completion order, as its run wrote it), then the gone ones.
    expect(results.at(-1)?.change).toBe('gone');
    const current = results.slice(0, -1).sort((a, b) => a.index - b.index);
    expect([...current, results.at(-1)!].map((r) => [path(r), r.change])).toEqual(Object.entries(CHANGES));
    expect(run.stderr).toMatch(/1 new failure, 1 still failing, 1 fixed, 1 new, 1 gone/);
  });

  it('JSON, CSV, Markdown, the table and JUnit carry the same changes', async () => {
    const json = await runCli(['diff', '--json', oldFile, newFile]);
    expect(json.code).toBe(1);
    const report = parseJsonReport(json.stdout);
    expect(report.results.map((r) => [path(r), r.change])).toEqual(Object.entries(CHANGES));
    const csv = await runCli(['diff', '--csv', oldFile, newFile]);
    expect(csvObjects(csv.stdout).map((r) => r.change)).toEqual(Object.values(CHANGES));
    const md = await runCli(['diff', '--markdown', oldFile, newFile]);
    expect(md.stdout.indexOf('#### New failures')).toBeLessThan(md.stdout.indexOf('#### Still failing'));
    const junit = `${tmp.dir}/diff.xml`;
    const table = await runCli(['diff', '--junit', junit, oldFile, newFile], { env: { COLUMNS: '160' } });
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(/\[new failure\] http:\/\/127\.0\.0\.1:\d+\/b/);
    expect(table.stdout).toMatch(/\[gone\] http:\/\/127\.0\.0\.1:\d+\/f/);
    const xml = await readFile(junit, 'utf8');
    expect(xml.match(/<property name="change" value="[a-z-]+"\/>/g)).toHaveLength(6);
  });

  it('exit 0 when every failure was there before, in every format; -q says why it exits 1', async () => {
    for (const format of [[], ['--ndjson'], ['--json'], ['--csv'], ['--markdown'], ['-q']]) {
      const run = await runCli(['diff', ...format, oldFile, fixedOnly]);
      expect(run.code, `${format.join(' ')}: ${run.stderr}`).toBe(0);
    }
    const quiet = await runCli(['diff', '-q', oldFile, newFile]);
    expect(quiet.code).toBe(1);
    expect(quiet.stdout).toBe('');
    expect(quiet.stderr).toBe('fetch-many: 1 new failure (2 of 5 targets failed)\n');
  });

  it('reads NEW from stdin; a file that is its own --baseline output diffs the same', async () => {
    const piped = await runCli(['diff', '--ndjson', oldFile, '-'], { stdin: await readFile(newFile) });
    expect(
      parseNdjson(piped.stdout)
        .map((r) => r.change)
        .sort(),
    ).toEqual(Object.values(CHANGES).sort());
    const withBaseline = await runCli(['diff', '--ndjson', oldFile, '-'], { stdin: piped.stdout });
    expect(withBaseline.stdout).toBe(piped.stdout);
  });

  it('usage errors: OLD from stdin, missing files, malformed lines, an index twice in NEW', async () => {
    const cases: Array<[string[], RegExp, string?]> = [
      [['diff', '-', newFile], /OLD must be a file/],
      [['diff', `${tmp.dir}/nope`, newFile], /diff: cannot read/],
      [['diff', oldFile, `${tmp.dir}/nope`], /diff: cannot read/],
      [['diff', oldFile, '-'], /stdin line 1: not valid JSON/, 'not json\n'],
      [['diff', oldFile, '-'], /index 0 appears twice/, (await readFile(newFile, 'utf8')).repeat(2)],
      [['diff', oldFile], /missing required argument/],
    ];
    for (const [args, message, stdin] of cases) {
      const run = await runCli(args, stdin === undefined ? {} : { stdin });
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr.split('\n')).toHaveLength(2);
    }
  });
});

describe('diff agrees with --baseline (property, random pairs of runs)', () => {
  it('same changes per target and the same gone targets', async () => {
    // A pool of paths; each run takes a random subset, each path a random status per run.
    const pool = ['/p0', '/p1', '/p2', '/p3', '/p4', '/p5', '/p6', '/p7'];
    const run = fc.record({
      paths: fc.subarray(pool, { minLength: 1 }),
      failing: fc.subarray(pool),
      dup: fc.boolean(),
    });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(run, run, async (first, second) => {
        n++;
        const urls = (r: typeof first) => {
          const list = r.paths.map((p) => `${server.base}${p}`);
          // A list with a target twice: one identity.
          return r.dup ? [...list, list[0]!] : list;
        };
        const statuses = (r: typeof first) => {
          server.status.clear();
          for (const p of r.failing) server.status.set(p, 500);
        };
        statuses(first);
        const a = await runCli(['--ndjson', ...urls(first)]);
        const oldPath = await tmp.file(`prop-old-${n}.ndjson`, a.stdout);
        statuses(second);
        const b = await runCli(['--ndjson', '--baseline', oldPath, ...urls(second)]);
        const newPath = await tmp.file(`prop-new-${n}.ndjson`, b.stdout);
        const d = await runCli(['diff', '--ndjson', oldPath, newPath]);
        expect(d.code).toBe(b.code === 0 ? 0 : parseNdjson(b.stdout).some((r) => r.change === 'new-failure') ? 1 : 0);
        const key = (r: Result) => `${r.index} ${path(r)} ${r.change}`;
        const fromBaseline = parseNdjson(b.stdout);
        const fromDiff = parseNdjson(d.stdout);
        const current = (rs: Result[]) =>
          rs
            .filter((r) => r.change !== 'gone')
            .map(key)
            .sort();
        const gone = (rs: Result[]) =>
          rs
            .filter((r) => r.change === 'gone')
            .map(path)
            .sort();
        expect(current(fromDiff)).toEqual(current(fromBaseline));
        expect(gone(fromDiff)).toEqual(gone(fromBaseline));
        // And both are right: the reference model, by path.
        const before = new Map<string, boolean>();
        for (const r of parseNdjson(a.stdout)) before.set(path(r), (before.get(path(r)) ?? true) && r.ok);
        for (const r of fromDiff.filter((x) => x.change !== 'gone')) {
          const was = before.get(path(r));
          const want =
            was === undefined ? 'new' : was ? (r.ok ? 'ok' : 'new-failure') : r.ok ? 'fixed' : 'still-failing';
          expect(r.change, path(r)).toBe(want);
        }
        expect(gone(fromDiff)).toEqual([...new Set(first.paths.filter((p) => !second.paths.includes(p)))].sort());
      }),
      { numRuns: 12 },
    );
  }, 120_000);
});
