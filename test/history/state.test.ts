/**
 * `--state FILE` and `--fail-after N` (issue 20, item 3): streaks carried across runs, the
 * threshold deciding the exit code, the file always whole — also after SIGINT mid-run.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoCrash, parseNdjson, runCli, startCli, tempDir, waitFor } from '../cli/harness.js';
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

interface Entry {
  key: string;
  target: string;
  failures: number;
  lastOk: string | null;
  lastRun: string;
}

/** Parses a state file, checking every line's shape. */
async function readState(path: string): Promise<{ header: Record<string, unknown>; entries: Map<string, Entry> }> {
  const lines = (await readFile(path, 'utf8')).split('\n');
  expect(lines.at(-1)).toBe(''); // ends with a newline: written whole
  const [first, ...rest] = lines.slice(0, -1).map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(first).toMatchObject({ format: 'fetch-many-state', version: 1 });
  const entries = new Map<string, Entry>();
  for (const e of rest as unknown as Entry[]) {
    expect(Object.keys(e).sort()).toEqual(['failures', 'key', 'lastOk', 'lastRun', 'target']);
    expect(e.key).toMatch(/^[0-9a-f]{16}$/);
    entries.set(new URL(e.target.split(' ')[1]!).pathname, e);
  }
  return { header: first!, entries };
}

describe('--state and --fail-after', () => {
  it('three runs: a target failing every time fails the run only at the third; a flaky one never', async () => {
    const state = `${tmp.dir}/three.state`;
    const url = (p: string) => `${server.base}${p}`;
    const args = ['-q', '--state', state, '--fail-after', '3', url('/always'), url('/flaky'), url('/fine')];
    server.status.set('/always', 500).set('/flaky', 500);
    const first = await runCli(args);
    expectNoCrash(first);
    expect(first.code, first.stderr).toBe(0);
    server.status.set('/flaky', 200);
    const second = await runCli(args);
    expect(second.code, second.stderr).toBe(0);
    server.status.set('/flaky', 500);
    const third = await runCli(args);
    expect(third.code).toBe(1);
    expect(third.stderr).toMatch(
      /^fetch-many: 1 target has failed 3 runs in a row: GET http:\/\/127\.0\.0\.1:\d+\/always\n$/,
    );
    const { entries } = await readState(state);
    expect(entries.get('/always')).toMatchObject({ failures: 3, lastOk: null });
    expect(entries.get('/flaky')?.failures).toBe(1);
    expect(entries.get('/flaky')?.lastOk).not.toBeNull();
    expect(entries.get('/fine')?.failures).toBe(0);
    // Without --fail-after the same state still counts, and any failure fails the run.
    const plain = await runCli(['-q', '--state', state, url('/always')]);
    expect(plain.code).toBe(1);
    expect((await readState(state)).entries.get('/always')?.failures).toBe(4);
  });

  it('SIGINT mid-run: exit 130, and a valid state file with what was checked and what was there', async () => {
    const state = `${tmp.dir}/sigint.state`;
    server.status.set('/hang', 0).set('/other', 200);
    const before = await runCli(['-q', '--state', state, `${server.base}/other`]);
    expect(before.code, before.stderr).toBe(0);
    const live = startCli(['--ndjson', '--state', state, `${server.base}/done`, `${server.base}/hang`]);
    await waitFor(() => live.stdout().includes('/done"'), 'the first result');
    await waitFor(() => (server.hits.get('/hang') ?? 0) > 0, 'the hanging request');
    live.child.kill('SIGINT');
    const run = await live.done;
    expect(run.code, run.stderr).toBe(130);
    expect(parseNdjson(run.stdout).map((r) => r.error?.code ?? 'ok')).toContain('cancelled');
    const { entries } = await readState(state);
    expect(entries.get('/done')).toMatchObject({ failures: 0 });
    expect(entries.get('/done')?.lastOk).not.toBeNull();
    expect(entries.get('/other')).toMatchObject({ failures: 0 }); // kept from the run before
    expect(entries.has('/hang')).toBe(false); // cancelled: not checked
  });

  it('usage errors: a file that is not a state file, --fail-after without --state or not a number', async () => {
    const notState = await tmp.file('not.state', '{"index":0}\n');
    const cases: Array<[string[], RegExp]> = [
      [
        ['--state', notState, `${server.base}/fine`],
        /^fetch-many: --state: .*not\.state line 1: not a fetch-many state file/,
      ],
      [['--fail-after', '3', `${server.base}/fine`], /--fail-after needs --state/],
      [
        ['--state', `${tmp.dir}/x`, '--fail-after', '0', `${server.base}/fine`],
        /--fail-after must be a whole number ≥ 1/,
      ],
      [['--state', tmp.dir, `${server.base}/fine`], /--state/],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr.split('\n')).toHaveLength(2);
    }
    const bad = await tmp.file(
      'bad.state',
      `{"format":"fetch-many-state","version":1,"written":"2026-01-01T00:00:00Z"}\n{"key":"zz"}\n`,
    );
    const run = await runCli(['--state', bad, `${server.base}/fine`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/bad\.state line 2: "key" must be 16 hex digits/);
  });
});
