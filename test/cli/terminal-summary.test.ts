/**
 * Issue 23 item 8, the summary line where a person reads it: wrapped between its parts on a
 * narrow terminal (stderr too, when stdout carries CSV), once under `--markdown`, and no
 * `0.00 s · 0.0 req/s` from `merge`, whose shards' times are not its own.
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { displayWidth } from '../../src/report/sanitize.js';
import { startHttpServer, startRefusedPort, type TestServer } from '../helpers/servers.js';
import { BIN, runCli, tempDir } from './harness.js';

let server: TestServer;
let refusedUrl = '';
let tmp: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  server = await startHttpServer();
  refusedUrl = `http://127.0.0.1:${await startRefusedPort()}`;
  tmp = await tempDir();
});
afterAll(async () => {
  await server.close();
  await tmp.cleanup();
});

/** Runs the CLI on a pty of the given width; everything it wrote (stdout and stderr), CRLF → LF. */
function onTty(args: readonly string[], columns: number): Promise<string> {
  const quoted = [process.execPath, BIN, '--no-progress', ...args]
    .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
    .join(' ');
  return new Promise((resolve) => {
    const child = execFile(
      'script',
      ['-qec', `stty cols ${columns} rows 50; exec ${quoted}`, '/dev/null'],
      { encoding: 'utf8', timeout: 30_000, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined } },
      (_err, stdout) => resolve(stdout.replace(/\r\n/g, '\n')),
    );
    child.stdin?.end();
  });
}

const targets = (): string[] => [`${server.url}/ok`, `${server.url}/status/404`, `${refusedUrl}/x`];

describe('the summary at a terminal', () => {
  it('wraps between its parts at 60 columns, on stderr next to CSV too', async () => {
    for (const extra of [[], ['--csv']]) {
      const output = await onTty([...extra, ...targets()], 60);
      const lines = output.split('\n');
      const start = lines.findIndex((l) => l.startsWith('3 targets:'));
      expect(start, output).toBeGreaterThanOrEqual(0);
      const summary = lines.slice(start).filter((l) => l !== '');
      for (const line of summary) expect(displayWidth(line), line).toBeLessThanOrEqual(60);
      // The latency part is never split across lines.
      expect(summary.some((l) => /p50 [\d.]+ m?s p90 [\d.]+ m?s p99 [\d.]+ m?s max [\d.]+ m?s/.test(l))).toBe(true);
      for (const line of summary) expect(line.startsWith('·')).toBe(false);
    }
  }, 60_000);

  it('--markdown prints the summary line once', async () => {
    const output = await onTty(['--markdown', ...targets()], 80);
    expect(output.match(/3 targets: 1 ok/g), output).toHaveLength(1);
  }, 30_000);
});

describe('merge', () => {
  it('prints no duration or rate of its own: the shards ran at other times', async () => {
    const run = await runCli(['--ndjson', ...targets()]);
    const shard = await tmp.file('shard.ndjson', run.stdout);
    const merged = await runCli(['merge', shard], { env: { COLUMNS: '200' } });
    expect(merged.code).toBe(1);
    const summary = merged.stdout.split('\n').find((l) => l.startsWith('3 targets:')) ?? '';
    expect(summary).toMatch(/max [\d.]+ m?s$/);
    expect(merged.stdout).not.toMatch(/req\/s|0\.00 s/);
  });
});
