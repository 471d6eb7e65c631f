/**
 * `fetch-many merge` on small inputs: every report format, stdin, exit codes, and the one-line
 * usage errors for bad input (malformed lines, unreadable files, bad --total).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultToJson } from '../../src/report/result-json.js';
import type { Result } from '../../src/types.js';
import { makeError, makeResult } from '../report/helpers.js';
import { parseXml, type XmlElement } from '../report/xml-reader.js';
import {
  csvObjects,
  expectNoCrash,
  expectUsageError,
  parseJsonReport,
  parseNdjson,
  runCli,
  ROOT,
  startCli,
  tempDir,
  waitFor,
} from './harness.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let okA: string;
let okB: string;
let failing: string;

const lines = (results: Result[]): string => results.map((r) => `${resultToJson(r)}\n`).join('');

beforeAll(async () => {
  tmp = await tempDir();
  okA = await tmp.file('a.ndjson', lines([makeResult({ index: 2 }), makeResult({ index: 0 })]));
  okB = await tmp.file('b.ndjson', lines([makeResult({ index: 1, name: 'api' })]));
  failing = await tmp.file(
    'c.ndjson',
    lines([makeResult({ index: 3, status: 503, ok: false, failures: ['status 503 not in 200-399'] })]),
  );
});
afterAll(async () => {
  await tmp.cleanup();
});

describe('fetch-many merge', () => {
  it('all ok: exit 0; the table lists every target in order with the summary', async () => {
    const run = await runCli(['merge', okB, okA]);
    expectNoCrash(run);
    expect(run.code, run.stderr).toBe(0);
    const at = (s: string) => run.stdout.indexOf(s);
    expect(at('/item/0')).toBeGreaterThanOrEqual(0);
    expect(at('/item/0')).toBeLessThan(at('api'));
    expect(at('api')).toBeLessThan(at('/item/2'));
    expect(run.stdout).toMatch(/3 targets: 3 ok/);
  });

  it('one failed target: exit 1, as the single run would; -q says why on stderr only', async () => {
    const run = await runCli(['merge', '--json', okA, okB, failing]);
    expect(run.code).toBe(1);
    expect(parseJsonReport(run.stdout).summary).toMatchObject({ total: 4, ok: 3, failed: 1 });
    const quiet = await runCli(['merge', '-q', okA, okB, failing]);
    expect(quiet.code).toBe(1);
    expect(quiet.stdout).toBe('');
    expect(quiet.stderr).toBe('fetch-many: 1 of 4 targets failed\n');
  });

  it('reads stdin given as -, and writes --csv, --ndjson (--only-failures) and --junit', async () => {
    const stdin = await readFile(okA);
    const csv = await runCli(['merge', '--csv', okB, '-', failing], { stdin });
    expect(csvObjects(csv.stdout).map((r) => r.index)).toEqual(['0', '1', '2', '3']);
    const only = await runCli(['merge', '--ndjson', '--only-failures', okA, okB, failing]);
    expect(parseNdjson(only.stdout).map((r) => r.index)).toEqual([3]);
    const junit = `${tmp.dir}/report.xml`;
    const withJunit = await runCli(['merge', '--junit', junit, okA, okB, failing]);
    expect(withJunit.code).toBe(1);
    const count = (el: XmlElement, name: string): number =>
      el.children.reduce((n, c) => n + count(c, name), el.name === name ? 1 : 0);
    const xml = parseXml(await readFile(junit, 'utf8'));
    expect(count(xml, 'testcase')).toBe(4);
    expect(count(xml, 'failure')).toBe(1);
  });

  it('--markdown: the summary line and the failed targets', async () => {
    const run = await runCli(['merge', '--markdown', okA, okB, failing]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/4 targets: 3 ok, 1 failed/);
    expect(run.stdout).toContain('/item/3');
    expect(run.stdout).not.toContain('/item/2');
    expectUsageError(await runCli(['merge', '--markdown', '--json', okA]), /markdown/);
  });

  it('a cancelled result with no finished one stays, and counts as failed', async () => {
    const cancelled = await tmp.file('x.ndjson', lines([makeError(3, { code: 'cancelled', message: 'cancelled' })]));
    const run = await runCli(['merge', '--json', okA, okB, cancelled]);
    expect(run.code).toBe(1);
    expect(parseJsonReport(run.stdout).summary).toMatchObject({ total: 4, cancelled: 1 });
  });

  it.each([
    [
      'a malformed line',
      async () => [await tmp.file('bad.ndjson', `${lines([makeResult({ index: 0 })])}{"index": 1\n`)],
      /merge: .*bad\.ndjson line 2: not valid JSON/,
    ],
    [
      'a result from another tool',
      async () => [await tmp.file('other.ndjson', '{"url":"http://127.0.0.1/"}\n')],
      /other\.ndjson line 1: unknown field "url"|other\.ndjson line 1: field/,
    ],
    ['a missing file', async () => [`${tmp.dir}/none.ndjson`], /merge: cannot read .*none\.ndjson: no such file/],
    ['a directory', async () => [tmp.dir], /is a directory/],
    ['stdin twice', async () => ['-', '-'], /stdin \(-\) can be given only once/],
    ['--total 0', async () => ['--total', '0', okA], /--total must be a whole number/],
    ['--total and --targets', async () => ['--total', '3', '--targets', okA, okA], /--total or --targets/],
    [
      'an index past --total',
      async () => ['--total', '2', okA, okB],
      /index 2 is past the end of the list \(2 targets\)/,
    ],
    ['no files', async () => [], /files/],
  ])('%s is a usage error: one line, exit 2, nothing on stdout', async (_what, args, message) => {
    const run = await runCli(['merge', ...(await args())]);
    expectUsageError(run, message);
  });

  it('--targets counts the list the runs read (comments and blank lines do not count)', async () => {
    const list = await tmp.file(
      'list.txt',
      '# smoke\nhttp://127.0.0.1:1/a\n\nhttp://127.0.0.1:1/b\nhttp://127.0.0.1:1/c\nhttp://127.0.0.1:1/d\nhttp://127.0.0.1:1/e\n',
    );
    const run = await runCli(['merge', '--targets', list, okA, okB, failing]);
    expectUsageError(run, 'merge: 1 of 5 results missing: index 4');
  });
});

describe('fetch-many merge, interrupted', () => {
  it('SIGINT while waiting on stdin stops it: exit 130, no crash', async () => {
    // On a loaded machine node itself may take longer than any fixed delay to reach the bin
    // script's first line, and a SIGINT before it kills the process (exit null): wait until the
    // script is loading the bundle, which is after its signal handlers are installed.
    const env = {
      NODE_OPTIONS: `--import=${pathToFileURL(join(ROOT, 'test', 'helpers', 'slow-bundle.mjs')).href}`,
      FETCH_MANY_TEST_BUNDLE_DELAY_MS: '0',
    };
    const cli = startCli(['merge', '--json', '-'], { openStdin: true, env });
    await waitFor(() => cli.stderr().includes('test-hook: loading the CLI bundle'), 'the bundle to start loading');
    cli.child.stdin.write(lines([makeResult({ index: 0 })]));
    await new Promise((r) => setTimeout(r, 300));
    cli.child.kill('SIGINT');
    const run = await cli.done;
    expectNoCrash(run);
    expect(run.code, run.stderr).toBe(130);
  });
});

describe('fetch-many merge | head', () => {
  it('stops once stdout is closed: exit 141, as a run does', async () => {
    const many = await tmp.file('many.ndjson', lines([...Array(30_000).keys()].map((index) => makeResult({ index }))));
    const cli = startCli(['merge', '--ndjson', many]);
    cli.child.stdout.once('data', () => cli.child.stdout.destroy());
    const run = await cli.done;
    expectNoCrash(run);
    expect(run.code, run.stderr).toBe(141);
  });
});
