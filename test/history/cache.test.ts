/**
 * `--cache FILE --cache-max-age DUR` (issue 20, item 4): fresh ok results are not fetched again
 * but reported as `cached` with their earlier figures (in no percentile); stale ones and failed
 * ones are fetched, and the file is refreshed. The server counts requests.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../src/types.js';
import { expectNoCrash, parseJsonReport, runCli, tempDir } from '../cli/harness.js';
import { type ChangingServer, startChangingServer } from './server.js';

let server: ChangingServer;
let tmp: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  server = await startChangingServer();
  tmp = await tempDir();
});
afterAll(async () => {
  await server.close();
  await tmp.cleanup();
});

const path = (r: Result): string => new URL(r.url ?? '').pathname;
const byPath = (results: Result[]) => new Map(results.map((r) => [path(r), r]));

describe('--cache', () => {
  it('skips fresh oks, refetches failed and stale ones, and refreshes the file', async () => {
    const cache = `${tmp.dir}/results.cache`;
    server.status.set('/c', 500);
    const targets = ['/a', '/b', '/c'].map((p) => `${server.base}${p}`);
    const args = ['--json', '--cache', cache, '--cache-max-age', '1h', ...targets];

    const first = await runCli(args);
    expectNoCrash(first);
    expect(first.code, first.stderr).toBe(1);
    expect([...server.hits.entries()].sort()).toEqual([
      ['/a', 1],
      ['/b', 1],
      ['/c', 1],
    ]);
    const earlier = byPath(parseJsonReport(first.stdout).results);

    const second = await runCli(args);
    expect(second.code).toBe(1); // /c still fails: fetched again
    expect([...server.hits.entries()].sort()).toEqual([
      ['/a', 1],
      ['/b', 1],
      ['/c', 2],
    ]);
    const report = parseJsonReport(second.stdout);
    const now = byPath(report.results);
    for (const p of ['/a', '/b']) {
      expect(now.get(p)?.cached, p).toBe(true);
      // The earlier figures, as they were.
      expect(now.get(p)?.timings).toEqual(earlier.get(p)?.timings);
      expect(now.get(p)?.remoteAddress).toBe(earlier.get(p)?.remoteAddress);
    }
    expect(now.get('/c')?.cached).toBeUndefined();
    const summary = report.summary as unknown as { total: number; cached: number; latency: { max: number } };
    expect(summary.total).toBe(3);
    expect(summary.cached).toBe(2);
    // Percentiles from the fetched result only: the one fresh timing is the max.
    expect(summary.latency.max).toBe(now.get('/c')?.timings.total);
    expect(second.stderr).toMatch(/· 2 cached ·/);

    // Make /a's entry a day old: stale under 1h, fetched again; /b still fresh.
    const lines = (await readFile(cache, 'utf8')).trimEnd().split('\n');
    const aged = lines.map((line, i) => {
      if (i === 0 || !line.includes('/a"')) return line;
      return line.replace(/"at":"[^"]+"/, `"at":"${new Date(Date.now() - 24 * 3600_000).toISOString()}"`);
    });
    expect(aged).not.toEqual(lines);
    await writeFile(cache, `${aged.join('\n')}\n`);
    const third = await runCli(args);
    expect([...server.hits.entries()].sort()).toEqual([
      ['/a', 2],
      ['/b', 1],
      ['/c', 3],
    ]);
    const thirdResults = byPath(parseJsonReport(third.stdout).results);
    expect(thirdResults.get('/a')?.cached).toBeUndefined();
    expect(thirdResults.get('/b')?.cached).toBe(true);
    // Refreshed: /a's entry is new again, and the failing /c has none.
    const after = (await readFile(cache, 'utf8'))
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => JSON.parse(l));
    const entry = (p: string) => after.find((e: { result: Result }) => path(e.result) === p);
    expect(Date.now() - Date.parse(entry('/a').at)).toBeLessThan(3600_000);
    expect(entry('/c')).toBeUndefined();

    // Once /c answers, it is cached too.
    server.status.set('/c', 200);
    const fourth = await runCli(args);
    expect(fourth.code).toBe(0);
    const fifth = await runCli(args);
    expect(fifth.code).toBe(0);
    expect(server.hits.get('/c')).toBe(4);
  });

  it('usage errors: a file that is not a cache, --cache-max-age without --cache or not a duration', async () => {
    const notCache = await tmp.file('not.cache', 'hello\n');
    const cases: Array<[string[], RegExp]> = [
      [
        ['--cache', notCache, `${server.base}/a`],
        /^fetch-many: --cache: .*not\.cache line 1: not a fetch-many cache file/,
      ],
      [['--cache-max-age', '1h', `${server.base}/a`], /--cache-max-age needs --cache/],
      [
        ['--cache', `${tmp.dir}/x.cache`, '--cache-max-age', 'soon', `${server.base}/a`],
        /--cache-max-age.*invalid duration/,
      ],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr.split('\n')).toHaveLength(2);
    }
  });
});
