/**
 * `--pipeline <n>` through the built CLI (issue 13): a bad depth is one usage line, and a
 * pipelined run reports every target once with exit 0.
 */
import { describe, expect, it } from 'vitest';
import { expectUsageError, runCli } from '../../cli/harness.js';
import { RequestReader, rawServer, response, send } from '../../helpers/servers.js';
import { closeAfterEach } from '../../helpers/track.js';

const start = closeAfterEach();

describe('--pipeline', () => {
  it.each([['0'], ['-1'], ['two'], ['1.5'], ['1001']])('--pipeline %s is a usage error naming it', async (value) => {
    const run = await runCli(['--pipeline', value, 'http://127.0.0.1:9/']);
    expectUsageError(run, 'pipeline');
  });

  it('--help all lists it', async () => {
    const run = await runCli(['--help', 'all']);
    expect(run.stdout).toMatch(/--pipeline <n>/);
  });

  it('pipelines on the command line: every target once, in order, exit 0', async () => {
    let maxOutstanding = 0;
    const server = await start(
      rawServer((ctx) => {
        const reader = new RequestReader(ctx.index);
        let outstanding = 0;
        ctx.socket.on('data', (chunk: Buffer) => {
          for (const req of reader.push(chunk)) {
            ctx.record(req);
            outstanding++;
            maxOutstanding = Math.max(maxOutstanding, outstanding);
            ctx.later(5, () => {
              outstanding--;
              send(ctx.socket, response(200, req.target));
            });
          }
        });
      }),
    );
    const urls = Array.from({ length: 10 }, (_, i) => `${server.url}/n/${i}\n`).join('');
    const run = await runCli(['--ndjson', '--no-progress', '-c', '8', '--per-host', '1', '--pipeline', '4', '-'], {
      stdin: urls,
    });
    expect(run.code, run.stderr).toBe(0);
    const results = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { index: number; ok: boolean; bytes: number });
    expect(results.map((r) => r.index).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Each body is its own path: `/n/<i>` is 4 bytes for i < 10.
    expect(results.every((r) => r.ok && r.bytes === 4)).toBe(true);
    expect(server.connections).toBe(1);
    expect(maxOutstanding).toBeGreaterThan(1);
  });
});
