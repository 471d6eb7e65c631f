/**
 * Issue 22: `fetch-many --resume f … > f`. The shell truncates `f` before the CLI starts, and the
 * run then silently redid every target. A resume file that is the same file (device and inode,
 * whatever its name) as stdout, stderr or the --junit report is refused before the run: one line,
 * exit 2, no request sent.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { link, open, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type TestServer } from '../helpers/servers.js';
import { BIN, expectUsageError, ROOT, runCli, tempDir, type CliRun } from './harness.js';

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

/** A results file of an earlier run that finished target 0 of a two-target list. */
async function earlierResults(name: string): Promise<{ results: string; list: string }> {
  const list = await tmp.file(`${name}.txt`, `${server.url}/ok?r=${name}-0\n${server.url}/ok?r=${name}-1\n`);
  const first = await runCli(['--ndjson', list]);
  expect(first.code, first.stderr).toBe(0);
  const line = first.stdout.split('\n').find((l) => l.includes('"index":0'));
  return { results: await tmp.file(`${name}.ndjson`, `${line}\n`), list };
}

/** Runs the CLI with stdout (`fd: 1`) or stderr (`fd: 2`) redirected to `path`, opened with `flags` as a shell would. */
async function runRedirected(args: string[], path: string, fd: 1 | 2, flags: 'w' | 'a'): Promise<CliRun> {
  const file = await open(path, flags);
  try {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      stdio: ['ignore', fd === 1 ? file.fd : 'pipe', fd === 2 ? file.fd : 'pipe'],
    });
    const out: Buffer[] = [];
    (fd === 1 ? child.stderr : child.stdout)?.on('data', (d: Buffer) => out.push(d));
    const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
    const text = Buffer.concat(out).toString('utf8');
    return { code, signal, stdout: fd === 2 ? text : '', stderr: fd === 1 ? text : await readFile(path, 'utf8') };
  } finally {
    await file.close();
  }
}

describe('--resume refuses a file that is also an output', () => {
  it.each([
    ['`> f` (the shell truncated it)', 'w'],
    ['`>> f` (still whole)', 'a'],
  ] as const)('stdout %s: usage error, exit 2, nothing fetched', async (_label, flags) => {
    const { results, list } = await earlierResults(`stdout-${flags}`);
    const before = server.requests;
    const run = await runRedirected(['--ndjson', '--resume', results, list], results, 1, flags);
    expectUsageError(run, /--resume .*: is also stdout/);
    expect(server.requests).toBe(before);
  });

  it('the same file under another name (a hard link, a symlink) is the same file', async () => {
    const { results, list } = await earlierResults('aliases');
    const hard = join(tmp.dir, 'aliases-hard.ndjson');
    const soft = join(tmp.dir, 'aliases-soft.ndjson');
    await link(results, hard);
    await symlink(results, soft);
    const before = server.requests;
    expectUsageError(await runRedirected(['--ndjson', '--resume', hard, list], results, 1, 'a'), /is also stdout/);
    expectUsageError(await runRedirected(['--ndjson', '--resume', soft, list], results, 1, 'a'), /is also stdout/);
    expect(server.requests).toBe(before);
  });

  it('stderr (`2> f`) and --junit f are refused too', async () => {
    const { results, list } = await earlierResults('others');
    const before = server.requests;
    const viaStderr = await runRedirected(['--ndjson', '--resume', results, list], results, 2, 'a');
    expect(viaStderr.code).toBe(2);
    expect(viaStderr.stderr).toMatch(/--resume .*: is also stderr/);
    expectUsageError(await runCli(['--ndjson', '--junit', results, '--resume', results, list]), /is also --junit/);
    expect(server.requests).toBe(before);
  });

  it('a resume file apart from the outputs still resumes (only target 1 is fetched)', async () => {
    const { results, list } = await earlierResults('apart');
    const out = join(tmp.dir, 'apart-out.ndjson');
    await writeFile(out, '');
    const run = await runRedirected(['--ndjson', '--resume', results, list], out, 1, 'a');
    expect(run.code, run.stderr).toBe(0);
    const lines = (await readFile(out, 'utf8')).trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { index: number }).index)).toEqual([1]);
  });
});
