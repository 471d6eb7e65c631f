/**
 * Issue 9, item 2 (the reporting part): with GITHUB_ACTIONS=true, one `::error` workflow command
 * per failed target (capped, then one line counting the rest), values escaped as GitHub's runner
 * decodes them, and a Markdown summary appended to $GITHUB_STEP_SUMMARY (never replacing it; a
 * path that cannot be written is a warning, not a crash). `--markdown` prints the same document
 * anywhere.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ANNOTATIONS } from '../../src/report/github.js';
import { startHttpServer, type TestServer } from '../helpers/servers.js';
import { runCli, tempDir } from './harness.js';

let server: TestServer;
let tmp: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  server = await startHttpServer();
  tmp = await tempDir();
});
afterAll(async () => {
  await server.close();
  await tmp.cleanup();
});

/** The inverse of the runner's escaping, to check a value survives the trip. */
const unescapeProperty = (s: string): string =>
  s.replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');

describe('GitHub Actions', () => {
  it('annotates failed targets within what GitHub shows: the first 9, then a line counting the rest', async () => {
    const failing = Array.from({ length: MAX_ANNOTATIONS + 12 }, (_, i) => `${server.url}/status/500?i=${i}`);
    const run = await runCli([`${server.url}/ok`, ...failing], {
      env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: undefined },
    });
    expect(run.code, run.stderr).toBe(1);
    const annotations = run.stdout.split('\n').filter((l) => l.startsWith('::error '));
    expect(annotations).toHaveLength(MAX_ANNOTATIONS);
    const one =
      /^::error title=fetch-many #\d+%3A GET http%3A\/\/127\.0\.0\.1%3A\d+\/status\/500\?i=\d+::status 500 not in 200-399$/;
    for (const a of annotations.slice(0, -1)) expect(a).toMatch(one);
    expect(annotations.at(-1)).toMatch(
      /^::error title=fetch-many::13 more failed targets not annotated \(GitHub shows 10/,
    );
    // The ok target is not annotated.
    expect(run.stdout).not.toMatch(/::error title=fetch-many #1%3A/);
  });

  it('--annotations N: exactly N failures are all annotated; N + 1 make N - 1 and a count of 2; 0 none', async () => {
    const failing = (n: number): string[] => Array.from({ length: n }, (_, i) => `${server.url}/status/500?n=${i}`);
    const env = { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: undefined };
    const exact = await runCli(['--annotations', '3', ...failing(3)], { env });
    const lines = (out: string): string[] => out.split('\n').filter((l) => l.startsWith('::error '));
    expect(lines(exact.stdout)).toHaveLength(3);
    expect(lines(exact.stdout).every((l) => l.includes('status 500'))).toBe(true);
    const over = await runCli(['--annotations', '3', ...failing(4)], { env });
    expect(lines(over.stdout)).toHaveLength(3);
    expect(lines(over.stdout).at(-1)).toMatch(/::2 more failed targets not annotated/);
    const none = await runCli(['--annotations', '0', ...failing(2)], { env });
    expect(none.code).toBe(1);
    expect(lines(none.stdout)).toEqual([]);
    const bad = await runCli(['--annotations', 'ten', `${server.url}/ok`], { env: { GITHUB_ACTIONS: undefined } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('fetch-many: --annotations must be a whole number (0 for none), got "ten"\n');
  });

  it('a usage error in GitHub Actions is one ::error line, exit 2', async () => {
    const missing = await runCli(['no/such/list.txt'], { env: { GITHUB_ACTIONS: 'true' } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      '::error title=fetch-many::no such file: no/such/list.txt (for a URL, write http://…)\n',
    );
    const flag = await runCli(['--retires', '2', `${server.url}/ok`], { env: { GITHUB_ACTIONS: 'true' } });
    expect(flag.code).toBe(2);
    expect(flag.stderr.split('\n').filter((l) => l !== '')).toEqual([
      expect.stringMatching(
        /^::error title=fetch-many::unknown option '--retires' \(did you mean --retries\?\) \(see --help\)$/,
      ),
    ]);
  });

  it("escapes %, CR, LF in messages and ':' ',' in the title", async () => {
    const name = 'api: users, 100% ready';
    const file = await tmp.file('named.json', JSON.stringify([{ url: `${server.url}/status/503`, name }]));
    const run = await runCli(['--ndjson', file], { env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: undefined } });
    // Machine output owns stdout: the annotations go to stderr, which the runner reads too.
    expect(run.stdout.startsWith('{')).toBe(true);
    const line = run.stderr.split('\n').find((l) => l.startsWith('::error '));
    expect(line).toBeDefined();
    const m = /^::error title=([^:]*)::(.*)$/.exec(line ?? '');
    expect(m?.[1]).toBe('fetch-many #1%3A api%3A users%2C 100%25 ready');
    expect(unescapeProperty(m?.[1] ?? '')).toBe(`fetch-many #1: ${name}`);
    expect(m?.[2]).toBe('status 503 not in 200-399');
  });

  it('appends a Markdown summary to $GITHUB_STEP_SUMMARY, keeping what other steps wrote', async () => {
    const path = join(tmp.dir, 'step-summary.md');
    await writeFile(path, '# Earlier step\n\nkept\n');
    const run = await runCli([`${server.url}/ok`, `${server.url}/status/404`, `${server.url}/status/500`], {
      env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: path },
    });
    expect(run.code, run.stderr).toBe(1);
    const md = await readFile(path, 'utf8');
    expect(md.startsWith('# Earlier step\n\nkept\n')).toBe(true);
    expect(md).toContain('### fetch-many');
    expect(md).toMatch(/3 targets: 1 ok, 2 failed/);
    expect(md).toContain('| # | target | status | error |');
    const rows = md.split('\n').filter((l) => /^\| \d/.test(l));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(
      /^\| 2 \| GET http:\/\/127\.0\.0\.1:\d+\/status\/404 \| 404 \| status 404 not in 200-399 \|$/,
    );
  });

  it('a step summary path that cannot be written is a warning; the run ends as it would have', async () => {
    const path = join(tmp.dir, 'no-such-dir', 'summary.md');
    const run = await runCli([`${server.url}/ok`], { env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: path } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^fetch-many: warning: cannot write the step summary to .*summary\.md: ENOENT$/m);
  });

  it('outside GitHub Actions: no annotations, no summary file', async () => {
    const path = join(tmp.dir, 'untouched.md');
    await writeFile(path, '');
    const run = await runCli([`${server.url}/status/500`], {
      env: { GITHUB_ACTIONS: undefined, GITHUB_STEP_SUMMARY: path },
    });
    expect(run.stdout).not.toContain('::error');
    expect(await readFile(path, 'utf8')).toBe('');
  });
});

describe('--markdown', () => {
  it('prints the summary line and the failures table on stdout', async () => {
    const run = await runCli(['--markdown', `${server.url}/ok`, `${server.url}/status/500`]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/^### fetch-many\n\n2 targets: 1 ok, 1 failed/);
    expect(run.stdout).toContain('|--:|:--|--:|:--|');
    expect(run.stdout.split('\n').filter((l) => /^\| \d/.test(l))).toHaveLength(1);
  });

  it('all ok: the summary line and no table', async () => {
    const run = await runCli(['--markdown', `${server.url}/ok`]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/1 target: 1 ok/);
    expect(run.stdout).not.toContain('| # |');
  });

  it('cannot be combined with another stdout format', async () => {
    const run = await runCli(['--markdown', '--csv', `${server.url}/ok`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/markdown/);
  });
});
