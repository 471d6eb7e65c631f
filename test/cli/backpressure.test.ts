/**
 * Issue 12, item 1: a slow reader of stdout must not grow the CLI's memory without bound. The
 * output pushes back on the run: while the reader sleeps, the CLI stops taking targets, so the
 * server sees the request count stall well short of the list; once the reader resumes, every
 * result arrives.
 */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type TestServer } from '../helpers/servers.js';
import { parseNdjson, startCli, waitFor } from './harness.js';

let server: TestServer;

beforeAll(async () => {
  server = await startHttpServer();
});
afterAll(() => server.close());

const TOTAL = 8000;
/** Padding in each URL makes each NDJSON line ~700 bytes, so the output fills up in fewer requests. */
const PAD = 'p'.repeat(200);

describe('backpressure from a slow stdout reader', () => {
  it('stops taking targets while the reader sleeps, then delivers every result', async () => {
    const before = server.received.length;
    const cli = startCli(['--ndjson', '-c', '20', '-'], { openStdin: true, killAfterMs: 60_000 });
    // The reader sleeps from the start: nothing is read from the pipe until resume().
    cli.child.stdout.pause();
    const lines = Readable.from(
      (function* () {
        for (let i = 0; i < TOTAL; i++) yield `${server.url}/ok?i=${i}&pad=${PAD}\n`;
      })(),
    );
    lines.pipe(cli.child.stdin);

    // Wait until the request count stops moving: 400 ms without a new request (bounded: 30 s).
    let last = -1;
    let stableSince = Date.now();
    await waitFor(
      () => {
        const n = server.received.length - before;
        if (n !== last) {
          last = n;
          stableSince = Date.now();
        }
        return n > 0 && Date.now() - stableSince > 400;
      },
      'the request count to stall while the reader sleeps',
      30_000,
    );
    const whilePaused = server.received.length - before;
    // 1 Mi units of buffered output (~1,500 lines of ~700 bytes), the pipe's 64 KiB, the
    // engine's lookahead (256) and what was in flight: far below the list's length.
    expect(whilePaused).toBeLessThan(TOTAL / 2);
    expect(cli.child.exitCode).toBeNull();

    cli.child.stdout.resume();
    const run = await cli.done;
    expect(run.code, run.stderr).toBe(0);
    const results = parseNdjson(run.stdout);
    expect(results).toHaveLength(TOTAL);
    expect(new Set(results.map((r) => r.index)).size).toBe(TOTAL);
  }, 60_000);
});
