/**
 * `--resume FILE`: an interrupted run, resumed, then merged, reports every target exactly once
 * and redoes none that had finished (counted server side, per path).
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, startHttpServer, response, type TestServer } from '../helpers/servers.js';
import {
  expectNoCrash,
  expectUsageError,
  parseJsonReport,
  parseNdjson,
  runCli,
  startCli,
  tempDir,
  waitFor,
  type CliRun,
} from './harness.js';

const N = 300;
/** Targets from here on wait for the gate while it is shut. */
const GATED_FROM = 200;
let server: TestServer;
let tmp: Awaited<ReturnType<typeof tempDir>>;
let gateOpen = false;
let held = 0;
const hits = new Map<string, number>();

beforeAll(async () => {
  server = await startHttpServer({
    '/t': (req, ctx) => {
      hits.set(req.target, (hits.get(req.target) ?? 0) + 1);
      const i = Number(new URL(req.target, 'http://x').searchParams.get('i'));
      if (i < GATED_FROM || gateOpen) {
        send(ctx.socket, response(200, `t${i}`));
        return;
      }
      held++;
      return new Promise(() => {});
    },
  });
  tmp = await tempDir();
});
afterAll(async () => {
  await server.close();
  await tmp.cleanup();
});

const target = (i: number): string => `${server.url}/t?i=${i}`;

describe('--resume', () => {
  it('SIGINT, then --resume, then merge: every target exactly once, none that finished redone', async () => {
    const list = await tmp.file('list.txt', `${Array.from({ length: N }, (_, i) => target(i)).join('\n')}\n`);
    const first = startCli(['--ndjson', '-c', '8', '--per-host', '8', '-t', '60s', list]);
    await waitFor(() => held >= 8, 'eight requests held at the gate');
    first.child.kill('SIGINT');
    const interrupted = await first.done;
    expectNoCrash(interrupted);
    expect(interrupted.code).toBe(130);
    const before = parseNdjson(interrupted.stdout);
    const finished = before.filter((r) => r.error?.code !== 'cancelled');
    expect(finished.length).toBe(GATED_FROM);
    expect(before.filter((r) => r.error?.code === 'cancelled').length).toBe(8);
    const firstFile = await tmp.file('first.ndjson', interrupted.stdout);

    gateOpen = true;
    const hitsBefore = new Map(hits);
    const resumed = await runCli(['--ndjson', '--resume', firstFile, list]);
    expectNoCrash(resumed);
    expect(resumed.code, resumed.stderr).toBe(0);
    const again = parseNdjson(resumed.stdout);
    expect(again.map((r) => r.index).sort((a, b) => a - b)).toEqual(
      Array.from({ length: N - GATED_FROM }, (_, k) => GATED_FROM + k),
    );
    // None of the finished targets was requested again; the held ones were, once more.
    for (let i = 0; i < N; i++)
      expect(hits.get(`/t?i=${i}`), `target ${i}`).toBe((hitsBefore.get(`/t?i=${i}`) ?? 0) + (i < GATED_FROM ? 0 : 1));
    for (let i = 0; i < GATED_FROM; i++) expect(hits.get(`/t?i=${i}`)).toBe(1);
    const secondFile = await tmp.file('second.ndjson', resumed.stdout);

    const merged = await runCli(['merge', '--json', '--total', String(N), firstFile, secondFile]);
    expect(merged.code, merged.stderr).toBe(0);
    const doc = parseJsonReport(merged.stdout);
    expect(doc.results.map((r) => r.index)).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(doc.results.every((r) => r.ok)).toBe(true);
    expect(doc.summary).toMatchObject({ total: N, ok: N, failed: 0, cancelled: 0 });

    // Resuming the resumed run's pair finds nothing left to do.
    const both = await tmp.file('both.ndjson', interrupted.stdout + resumed.stdout);
    const nothing = await runCli(['--json', '--resume', both, list]);
    expect(nothing.code, nothing.stderr).toBe(0);
    expect(parseJsonReport(nothing.stdout).results).toEqual([]);
  });

  it('works with --shard: a shard resumes only its own unfinished targets', async () => {
    const list = await tmp.file('small.txt', `${[0, 1, 2, 3, 4, 5].map(target).join('\n')}\n`);
    const done = await runCli(['--ndjson', list, '--shard', '2/2']);
    const all = parseNdjson(done.stdout);
    expect(all.map((r) => r.index).sort()).toEqual([1, 3, 5]);
    // Pretend index 3 was cancelled.
    const partial = await tmp.file(
      'partial.ndjson',
      all
        .filter((r) => r.index !== 3)
        .map((r) => `${JSON.stringify(r)}\n`)
        .join(''),
    );
    const resumed = await runCli(['--ndjson', '--shard', '2/2', '--resume', partial, list]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(parseNdjson(resumed.stdout).map((r) => r.index)).toEqual([3]);
  });

  it('a list that changed under a finished index is a usage error naming the first such index', async () => {
    const list = await tmp.file('a.txt', `${[0, 1, 2].map(target).join('\n')}\n`);
    const run = await runCli(['--ndjson', list]);
    const results = await tmp.file('a.ndjson', run.stdout);
    const changed = await tmp.file('b.txt', `${[0, 1, 7].map(target).join('\n')}\n`);
    // Found as the list streams in, so the reports of what ran (here: nothing) still close.
    expectListChanged(await runCli(['--json', '--resume', results, changed]), /the list changed: target 2 is /, []);
    const shorter = await tmp.file('c.txt', `${[0, 1].map(target).join('\n')}\n`);
    expectListChanged(
      await runCli(['--json', '--resume', results, shorter]),
      /result for index 2, but the list has 2 targets/,
      [],
    );
  });

  it('a list found changed after some targets ran: every report still closes validly, exit 2', async () => {
    const list = await tmp.file('d.txt', `${[0, 1, 2].map(target).join('\n')}\n`);
    // Only index 2 finished before: 0 and 1 run again, then index 2 turns out to differ.
    const partial = await runCli(['--ndjson', '--shard', '3/3', list]);
    const results = await tmp.file('d.ndjson', partial.stdout);
    const changed = await tmp.file('e.txt', `${[0, 1, 9].map(target).join('\n')}\n`);
    const junit = `${tmp.dir}/changed.xml`;
    const run = await runCli(['--json', '--junit', junit, '--resume', results, changed]);
    expectListChanged(run, /the list changed: target 2 is /, [0, 1]);
    expect(await readFile(junit, 'utf8')).toContain('tests="2"');
  });

  it('never shows a password from the list in the "list changed" message', async () => {
    const list = await tmp.file('f.txt', `${target(0)}\n`);
    const results = await tmp.file('f.ndjson', (await runCli(['--ndjson', list])).stdout);
    const secret = await tmp.file('g.txt', `${target(5).replace('http://', 'http://user:hunter2-pw@')}\n`);
    const run = await runCli(['--ndjson', '--resume', results, secret]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('user:***@');
    expect(run.stderr + run.stdout).not.toContain('hunter2-pw');
  });

  it('a redacted input (a password in the URL, shown as ***) still matches its target', async () => {
    const withPassword = (i: number): string => target(i).replace('http://', 'http://user:s3cret-pw@');
    const list = await tmp.file('secret.txt', `${[0, 1].map(withPassword).join('\n')}\n`);
    const first = await runCli(['--ndjson', list, '--shard', '1/2']);
    expect(first.stdout).not.toContain('s3cret-pw');
    expect(parseNdjson(first.stdout)[0]?.input).toContain('user:***@');
    const results = await tmp.file('secret.ndjson', first.stdout);
    const resumed = await runCli(['--ndjson', '--resume', results, list]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(parseNdjson(resumed.stdout).map((r) => r.index)).toEqual([1]);
  });

  it('a malformed resume file or a missing one is a usage error before any request', async () => {
    const requests = server.requests;
    const bad = await tmp.file('bad.ndjson', '{"index":0}\n');
    expectUsageError(await runCli(['--resume', bad, target(0)]), /--resume: .*bad\.ndjson line 1: field "input"/);
    expectUsageError(
      await runCli(['--resume', `${tmp.dir}/nope.ndjson`, target(0)]),
      /--resume: cannot read .*no such file/,
    );
    expect(server.requests).toBe(requests);
  });
});

/** Exit 2 with one line naming the change, and a --json report on stdout that is whole and valid. */
function expectListChanged(run: CliRun, message: RegExp, ran: number[]): void {
  expect(run.code, run.stderr).toBe(2);
  // stderr: the summary (stdout carries the JSON), then the one line that says what changed.
  const lines = run.stderr.trimEnd().split('\n');
  expect(run.stderr).not.toMatch(/^\s+at /m);
  expect(lines.filter((l) => l.startsWith('fetch-many: '))).toHaveLength(1);
  expect(lines.at(-1)).toMatch(/^fetch-many: --resume: /);
  expect(lines.at(-1)).toMatch(message);
  const doc = parseJsonReport(run.stdout);
  expect(doc.results.map((r) => r.index).sort()).toEqual(ran);
}
