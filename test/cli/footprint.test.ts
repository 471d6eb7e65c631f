/**
 * The CLI keeps V8's young generation at its initial size (bin/fetch-many.js): without that, a
 * few thousand fast requests grow it to 8–16 MiB (both semi-spaces) of peak RSS. Measured with a preloaded
 * module that reports the young generation's size at startup and at exit.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startHttpServer } from '../helpers/servers.js';
import { closeAfterEach } from '../helpers/track.js';
import { ROOT, runCli } from './harness.js';

const start = closeAfterEach();
const REPORT = join(ROOT, 'test', 'helpers', 'new-space-report.mjs');
const TARGETS = 3000;

function sizes(stderr: string): { start: number; end: number } {
  const m = /NEW_SPACE start=(\d+) end=(\d+)/.exec(stderr);
  if (m === null) throw new Error(`no young generation report in: ${stderr.slice(-500)}`);
  return { start: Number(m[1]), end: Number(m[2]) };
}

describe('memory footprint', () => {
  it('the young generation does not grow during a run of thousands of requests', async () => {
    const server = await start(startHttpServer());
    const urls = Array.from({ length: TARGETS }, (_, i) => `${server.url}/ok?i=${i}`).join('\n');
    const env = { NODE_OPTIONS: `--import=${REPORT}` };

    // The same run through the library, in a plain node process: V8 grows the young generation
    // for it. Without this, the assertion below could pass only because the run was too small.
    const control = await new Promise<string>((resolve, reject) => {
      const script = `
        const { fetchMany } = await import(${JSON.stringify(join(ROOT, 'dist', 'index.js'))});
        let n = 0;
        for await (const r of fetchMany(${JSON.stringify(urls.split('\n'))}, { concurrency: 50 })) if (r.ok) n++;
        if (n !== ${TARGETS}) throw new Error('ok results: ' + n);`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(err) : reject(new Error(`control exited ${code}: ${err}`))));
    });
    const grown = sizes(control);

    const cli = await runCli(['--ndjson', '--no-progress', '-c', '50', '-'], { stdin: urls, env, killAfterMs: 60_000 });
    expect(cli.code).toBe(0);
    expect(cli.stdout.trim().split('\n')).toHaveLength(TARGETS);
    const kept = sizes(cli.stderr);
    // V8 commits its initial semi-space pair lazily (1 MiB reported at startup, 2 MiB once in
    // use); growing means doubling from there, which the control run does at least twice.
    expect(kept.end).toBeLessThanOrEqual(2 * kept.start);
    expect(grown.end).toBeGreaterThanOrEqual(4 * kept.end);
  }, 90_000);
});
