/**
 * Issue 19, item 4: a target that ended ok after more than one attempt is flaky, and every report
 * says so — NDJSON keeps each earlier attempt's failure (`retried`, `flaky`), the table shows
 * `ok after 3 attempts` with the earlier attempts on `↳` lines, the summary counts it, Markdown
 * lists it apart from failures, JUnit writes Surefire's `<flakyFailure>` inside a passing
 * testcase (checked against the schema's rules), and `--fail-on-flaky` fails the run.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../src/types.js';
import { response, startHttpServer, type TestServer } from '../helpers/servers.js';
import { surefireProblems } from '../helpers/surefire.js';
import { runCli, tempDir } from './harness.js';

let server: TestServer;
let tmp: Awaited<ReturnType<typeof tempDir>>;
/** Requests so far per full target (path and query): the first two get 503, then 200. */
const seen = new Map<string, number>();
let runs = 0;

beforeAll(async () => {
  server = await startHttpServer({
    '/flaky': (req, ctx) => {
      const n = (seen.get(req.target) ?? 0) + 1;
      seen.set(req.target, n);
      ctx.socket.write(n <= 2 ? response(503, 'later') : response(200, 'ok'));
    },
  });
  tmp = await tempDir();
});
afterAll(async () => {
  await server.close();
  await tmp.cleanup();
});

/** A fresh flaky URL (its own counter) and a steady one. */
const targets = (): string[] => [`${server.url}/flaky?run=${runs++}`, `${server.url}/ok`];
const RETRY = ['--retries', '2', '--retry-delay', '10ms'];

describe('flaky targets', () => {
  it('NDJSON: flaky true, each earlier attempt in retried, the source line; exit 0', async () => {
    const [flaky, ok] = targets();
    const list = await tmp.file('list.txt', `# smoke\n${ok}\n\n${flaky}\n`);
    const run = await runCli([...RETRY, '--ndjson', list]);
    expect(run.code, run.stderr).toBe(0);
    const results = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Result);
    const f = results.find((r) => r.url === flaky)!;
    expect(f).toMatchObject({ ok: true, status: 200, attempts: 3, flaky: true, source: { file: list, line: 4 } });
    expect(f.retried).toEqual([
      { status: 503, error: null, failures: ['status 503 not in 200-399'] },
      { status: 503, error: null, failures: ['status 503 not in 200-399'] },
    ]);
    const plain = results.find((r) => r.url === ok)!;
    expect(plain.flaky).toBeUndefined();
    expect(plain.retried).toBeUndefined();
    expect(plain.source).toEqual({ file: list, line: 2 });
    expect(run.stderr).toMatch(/^2 targets: 2 ok \(1 flaky\) · /m);
  });

  it('the table: ok after 3 attempts, and what each earlier attempt ran into', async () => {
    const run = await runCli([...RETRY, ...targets()], { env: { COLUMNS: '160' } });
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.split('\n');
    const row = lines.findIndex((l) => l.includes('/flaky?run='));
    expect(lines[row]).toMatch(/ 200 .* ok after 3 attempts$/);
    expect(lines[row + 1]).toBe('     ↳ attempt 1: status 503 not in 200-399');
    expect(lines[row + 2]).toBe('     ↳ attempt 2: status 503 not in 200-399');
    expect(run.stdout).toMatch(/^2 targets: 2 ok \(1 flaky\) · /m);
  });

  it('--fail-on-flaky: exit 1, saying why', async () => {
    const run = await runCli([...RETRY, '--fail-on-flaky', '-q', ...targets()]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('fetch-many: 1 target was flaky (ok only after retries; --fail-on-flaky)\n');
    const steady = await runCli([...RETRY, '--fail-on-flaky', '-q', `${server.url}/ok`]);
    expect(steady.code).toBe(0);
  });

  it('Markdown: flaky targets in their own table, not among failures', async () => {
    const run = await runCli([...RETRY, '--markdown', ...targets(), `${server.url}/status/500`]);
    expect(run.code).toBe(1);
    const [failures, flaky] = run.stdout.split('#### Flaky: ok after retries');
    expect(failures).toContain('/status/500 | 500 |');
    expect(failures).not.toContain('/flaky');
    expect(flaky).toMatch(
      /\| 1 \| GET http:.*\/flaky\?run=\d+ \| 3 \| attempt 1: status 503 not in 200-399<br>attempt 2: /,
    );
  });

  it("JUnit: <flakyFailure> per earlier attempt inside a passing testcase, valid by Surefire's schema rules", async () => {
    const path = join(tmp.dir, 'flaky.xml');
    const run = await runCli([...RETRY, '--junit', path, '-q', ...targets()]);
    expect(run.code, run.stderr).toBe(0);
    const xml = await readFile(path, 'utf8');
    expect(surefireProblems(xml, { antWrapper: true, testcaseProperties: true })).toEqual([]);
    const flakyCase = /<testcase name="GET [^"]*\/flaky[^"]*"[^>]*>[\s\S]*?<\/testcase>/.exec(xml)?.[0] ?? '';
    expect(
      flakyCase.match(/<flakyFailure message="status 503 not in 200-399" type="expectation"><stackTrace>/g),
    ).toHaveLength(2);
    expect(flakyCase).not.toMatch(/<failure|<error|<skipped/);
    expect(xml).toContain('tests="2" failures="0" errors="0" skipped="0"');
    // Without the per-testcase properties (pytest's extension), strictly the XSD's testcase.
    const strict = xml.replace(/ *<properties>[\s\S]*?<\/properties>\n/g, '');
    expect(surefireProblems(strict, { antWrapper: true })).toEqual([]);
    // The check can fail: a flakyFailure without its stackTrace, or out of order, is refused.
    expect(
      surefireProblems(strict.replace(/<stackTrace>[\s\S]*?<\/stackTrace>/, ''), { antWrapper: true }),
    ).toContainEqual(expect.stringContaining('0 <stackTrace>, expected 1..1'));
  });
});
