/**
 * `--shard i/n` and `merge` end to end, as issue 11's "done when" asks: 20,000 targets against
 * a loopback server as one process and as 4 concurrent shard processes; the shards are disjoint,
 * their union is the single run, and `merge --json` of the shards is the single run's report.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, startRefusedPort, type TestServer } from '../helpers/servers.js';
import type { Result } from '../../src/types.js';
import {
  csvObjects,
  expectNoCrash,
  expectUsageError,
  parseJsonReport,
  parseNdjson,
  runCli,
  tempDir,
} from './harness.js';

const N = 20_000;
let server: TestServer;
let refused: number;
let tmp: Awaited<ReturnType<typeof tempDir>>;
let list: string;

/** Mostly ok, with 404s (expectation failures), refused connections and invalid targets mixed in. */
function target(i: number): string {
  if (i % 997 === 996) return 'http://[bad';
  if (i % 499 === 7) return `http://127.0.0.1:${refused}/r${i}`;
  if (i % 7 === 3) return `${server.url}/status/404?i=${i}`;
  return `${server.url}/bytes/${i % 50}?i=${i}`;
}

beforeAll(async () => {
  server = await startHttpServer();
  refused = await startRefusedPort();
  tmp = await tempDir();
  list = await tmp.file('list.txt', `${Array.from({ length: N }, (_, i) => target(i)).join('\n')}\n`);
});
afterAll(async () => {
  await server.close();
  await tmp.cleanup();
});

/** What must not depend on how the list was split: timings and reuse may. */
const key = (r: Result): string => JSON.stringify([r.index, r.url, r.status, r.bytes, r.ok, r.error?.code ?? null]);
const opts = { killAfterMs: 60_000 };

describe('--shard', () => {
  it.each(['0/4', '5/4', 'x', '1/0', '2', '-1/4', '1/4/2'])('--shard %s is a usage error', async (value) => {
    expectUsageError(await runCli(['--shard', value, `${server.url}/ok`]), '--shard');
  });

  it(`${N} targets as one process and as 4 concurrent shards: disjoint, same results, merge = the single run`, async () => {
    const single = await runCli(['--ndjson', list], opts);
    expectNoCrash(single);
    const shardRuns = await Promise.all([1, 2, 3, 4].map((i) => runCli(['--ndjson', '--shard', `${i}/4`, list], opts)));
    const whole = parseNdjson(single.stdout);
    expect(whole).toHaveLength(N);

    const files: string[] = [];
    const seen = new Set<number>();
    for (const [s, run] of shardRuns.entries()) {
      expectNoCrash(run);
      const results = parseNdjson(run.stdout);
      expect(run.code).toBe(results.every((r) => r.ok) ? 0 : 1);
      expect(results).toHaveLength(N / 4);
      for (const r of results) {
        // The whole-list position, not a position within the shard.
        expect(r.index % 4).toBe(s);
        expect(seen.has(r.index)).toBe(false);
        seen.add(r.index);
      }
      files.push(await tmp.file(`shard-${s + 1}.ndjson`, run.stdout));
    }
    const union = shardRuns.flatMap((run) => parseNdjson(run.stdout).map(key)).sort();
    expect(union).toEqual(whole.map(key).sort());
    expect(single.code).toBe(1);

    const merged = await runCli(['merge', '--json', ...files], opts);
    expectNoCrash(merged);
    expect(merged.code, merged.stderr).toBe(single.code);
    const doc = parseJsonReport(merged.stdout);
    const byIndex = [...whole].sort((a, b) => a.index - b.index);
    expect(doc.results.map(key)).toEqual(byIndex.map(key));
    // The input as given, name and every result field other than timings survive the round trip.
    expect(doc.results[996]?.input).toBe('http://[bad');
    const { wallMs: _w, rps: _r, latency: _l, ...counts } = doc.summary as unknown as Record<string, unknown>;
    const expected = {
      total: N,
      ok: whole.filter((r) => r.ok).length,
      failed: whole.filter((r) => !r.ok).length,
      byError: {
        expectation: whole.filter((r) => r.status === 404).length,
        refused: whole.filter((r) => r.error?.code === 'refused').length,
        invalid_target: whole.filter((r) => r.error?.code === 'invalid_target').length,
      },
      cancelled: 0,
    };
    expect(counts).toMatchObject(expected);
    expect(merged.stderr).toMatch(new RegExp(`^${N} targets: ${expected.ok} ok, ${expected.failed} failed`, 'm'));

    // --ndjson and --csv from the same shards: input order, one line per target.
    const ndjson = await runCli(['merge', '--ndjson', ...files], opts);
    expect(parseNdjson(ndjson.stdout).map(key)).toEqual(byIndex.map(key));
    const csv = await runCli(['merge', '--csv', ...[...files].reverse()], opts);
    expect(csvObjects(csv.stdout).map((row) => Number(row.index))).toEqual(byIndex.map((r) => r.index));

    // A shard missing: the merge fails before writing anything, and counts what is missing.
    const missing = await runCli(['merge', '--json', '--targets', list, files[0]!, files[1]!, files[3]!], opts);
    expectUsageError(missing, `merge: ${N / 4} of ${N} results missing: index 2, 6, 10, 14, 18, …`);
    // The same shard twice is a real duplicate.
    const twice = await runCli(['merge', files[0]!, files[1]!, files[0]!], opts);
    const firstOfShard1 = parseNdjson(shardRuns[0]!.stdout)[0]!.index;
    expectUsageError(
      twice,
      new RegExp(
        `merge: index ${firstOfShard1} has two finished results \\(the second at .*shard-1\\.ndjson line 1\\)`,
      ),
    );
  }, 120_000);

  it('a shard with nothing to run reports nothing and exits 0; an empty list is still a usage error', async () => {
    const run = await runCli(['--json', '--shard', '3/3', `${server.url}/ok`, `${server.url}/ok`]);
    expect(run.code, run.stderr).toBe(0);
    expect(parseJsonReport(run.stdout).results).toEqual([]);
    expectUsageError(await runCli(['--shard', '1/2'], { stdin: '' }), 'no targets');
  });
});
