/**
 * A dead origin cannot hold a run back (issue 24). 2,000 targets on an origin that accepts and
 * never answers, listed first, then 200 on a healthy one: the scheduler reads past the dead
 * origin's full queue, so the healthy targets all finish before the first dead one times out
 * (asserted on the order results arrive in, never on wall time) — with `perHost`, and without it
 * (an origin that has not answered yet holds half of `concurrency` at most). With `maxHostErrors`
 * the dead origin's remaining targets end at once as `skipped`.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchMany, OptionError, type Result } from '../../src/index.js';
import { runCli } from '../cli/harness.js';
import { startHttpServer } from '../helpers/servers.js';
import { closeAfterEach } from '../helpers/track.js';

const start = closeAfterEach();
const DEAD = 2000;
const HEALTHY = 200;
const PER_HOST = 10;

let dead: Server;
const held = new Set<Socket>();

beforeAll(async () => {
  // Accepts every connection and never answers: each request ends by its own timeout.
  dead = createServer((socket) => {
    held.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => held.delete(socket));
  });
  await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  for (const socket of held) socket.destroy();
  await new Promise((resolve) => dead.close(resolve));
});

function targets(healthyUrl: string): string[] {
  const port = (dead.address() as AddressInfo).port;
  return [
    ...Array.from({ length: DEAD }, (_, i) => `http://127.0.0.1:${port}/dead/${i}`),
    ...Array.from({ length: HEALTHY }, (_, i) => `${healthyUrl}/ok?i=${i}`),
  ];
}

const isDead = (r: Result): boolean => r.index < DEAD;

describe('a dead origin listed first', () => {
  /** Runs the list with `options`; asserts that every healthy target came before the first dead one, a timeout. */
  async function healthyBeforeFirstDead(options: { concurrency: number; perHost?: number; timeout: string }) {
    const healthy = await start(startHttpServer());
    const order: Result[] = [];
    for await (const r of fetchMany(targets(healthy.url), options)) {
      order.push(r);
      // The first dead result: what came before it is what this test is about; the rest is cancelled.
      if (isDead(r)) break;
    }
    const firstDead = order.at(-1)!;
    expect(isDead(firstDead)).toBe(true);
    expect(firstDead.error?.code).toBe('timeout');
    const before = order.slice(0, -1);
    expect(before).toHaveLength(HEALTHY);
    expect(before.every((r) => !isDead(r) && r.ok)).toBe(true);
  }

  it('the healthy targets all finish before the first dead one times out', async () => {
    await healthyBeforeFirstDead({ concurrency: 20, perHost: PER_HOST, timeout: '10s' });
  }, 120_000);

  it('without perHost too: an origin that never answered holds half the slots at most', async () => {
    // perHost defaults to concurrency, but until its first response an origin may hold only
    // ceil(concurrency / 2) requests, so the healthy origin gets the other half.
    await healthyBeforeFirstDead({ concurrency: 20, timeout: '10s' });
  }, 120_000);

  it('with maxHostErrors 5 its remaining targets are reported skipped within one timeout', async () => {
    const healthy = await start(startHttpServer());
    const timeout = 2000;
    const results: Result[] = [];
    for await (const r of fetchMany(targets(healthy.url), {
      concurrency: 20,
      perHost: PER_HOST,
      timeout,
      maxHostErrors: 5,
    })) {
      results.push(r);
    }
    expect(results).toHaveLength(DEAD + HEALTHY);
    expect(results.filter((r) => !isDead(r) && r.ok)).toHaveLength(HEALTHY);
    const deadResults = results.filter(isDead);
    const skipped = deadResults.filter((r) => r.error?.code === 'skipped');
    const timedOut = deadResults.filter((r) => r.error?.code === 'timeout');
    expect(skipped.length + timedOut.length).toBe(DEAD);
    // In flight when the fifth timeout came: the first requests, and those that took the slots
    // the first four freed. Everything else never started.
    expect(timedOut.length).toBeGreaterThanOrEqual(5);
    expect(timedOut.length).toBeLessThanOrEqual(PER_HOST + 4);
    expect(skipped.length).toBeGreaterThanOrEqual(DEAD - PER_HOST - 4);
    for (const r of skipped) {
      expect(r.ok).toBe(false);
      expect(r.status).toBeNull();
      expect(r.error?.message).toMatch(/skipped after 5 connection errors or timeouts in a row \(5 timeout; last: /);
    }
    for (const r of deadResults) expect(r.timings.total).toBeLessThanOrEqual(2 * timeout);
    // Skipped at once: every skipped result comes before the last timeout of the requests in flight.
    const lastTimeout = results.lastIndexOf(timedOut.at(-1)!);
    const firstSkipped = results.indexOf(skipped[0]!);
    expect(firstSkipped).toBeLessThan(lastTimeout);
  }, 120_000);

  it('maxHostErrors is validated like the flag', async () => {
    for (const bad of [0, -1, 1.5, 'many']) {
      expect(() => fetchMany([], { maxHostErrors: bad as never })).toThrow(OptionError);
    }
    const run = await runCli(['--max-host-errors', '0', 'http://127.0.0.1:1/']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--max-host-errors/);
  });

  it('--max-host-errors on the command line: skipped targets counted apart, never ok', async () => {
    // A port nothing listens on: every connection is refused at once.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const urls = Array.from({ length: 50 }, (_, i) => `http://127.0.0.1:${port}/${i}`).join('\n');
    const run = await runCli(['--ndjson', '--no-progress', '-c', '1', '--max-host-errors', '3', '-'], { stdin: urls });
    expect(run.code).toBe(1);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Result);
    expect(lines.filter((r) => r.error?.code === 'refused')).toHaveLength(3);
    expect(lines.filter((r) => r.error?.code === 'skipped')).toHaveLength(47);
    expect(run.stderr).toMatch(/skipped 47/);
  });
});
