/**
 * `pipeline` (issue 13): several idempotent requests written back to back on one kept-alive
 * HTTP/1.1 connection, answered in order (RFC 9112 §9.3.2). Raw servers that answer in order,
 * close after k responses, answer only the first, or reset mid-pipeline: every target gets
 * exactly one result, and none is ok that the server did not answer.
 */
import { describe, expect, it } from 'vitest';
import { OptionError } from '../../../src/errors.js';
import type { Result, TargetInput } from '../../../src/types.js';
import { rawServer, RequestReader, response, send, type ConnectionContext } from '../../helpers/servers.js';
import type { ServerRequest } from '../../helpers/request-reader.js';
import { closeAfterEach } from '../../helpers/track.js';
import { byIndex, indexesOnce, run } from '../harness.js';

const start = closeAfterEach();

/** What the fixture does with the n-th request (0-based) of a connection. */
type Action = 'answer' | 'ignore' | 'close' | 'reset';

interface Fixture {
  /** Most requests received on one connection and not yet answered, at any moment. */
  maxOutstanding: number;
  /** Request targets the server answered, in answer order (any connection). */
  answered: string[];
  /** Request targets received (any connection), in arrival order. */
  received: string[];
}

/**
 * A raw server that reads pipelined requests and answers them in order, each after a short delay
 * so the requests behind it arrive first. The body of `/t/<i>` is 100 + i bytes, so a result's
 * `bytes` says which response it got. `decide(n, connection)` says what to do with the n-th
 * request of that connection; `version` is the response's HTTP version.
 */
async function pipelineServer(
  decide: (n: number, connection: number) => Action = () => 'answer',
  version = '1.1',
  delayFor: (target: string) => number = () => 5,
): Promise<Fixture & { url: string; connections: () => number }> {
  const fixture: Fixture = { maxOutstanding: 0, answered: [], received: [] };
  const server = await start(
    rawServer((ctx: ConnectionContext) => {
      const reader = new RequestReader(ctx.index);
      const queue: ServerRequest[] = [];
      let seen = 0;
      let busy = false;
      let stopped = false;
      const answerNext = (): void => {
        if (busy || stopped) return;
        const req = queue.shift();
        if (req === undefined) return;
        busy = true;
        const n = seen - queue.length - 1;
        ctx.later(delayFor(req.target), () => {
          busy = false;
          const action = decide(n, ctx.index);
          if (action === 'ignore') {
            stopped = true;
            return;
          }
          if (action === 'reset') {
            stopped = true;
            ctx.socket.resetAndDestroy();
            return;
          }
          const i = Number(/\/t\/(\d+)/.exec(req.target)?.[1] ?? '0');
          fixture.answered.push(req.target);
          let bytes = response(200, 'x'.repeat(100 + i));
          if (version !== '1.1') bytes = Buffer.from(bytes.toString('latin1').replace('HTTP/1.1', `HTTP/${version}`));
          if (version === '1.0') {
            bytes = Buffer.from(bytes.toString('latin1').replace('\r\n', '\r\nConnection: keep-alive\r\n'));
          }
          send(ctx.socket, bytes);
          if (action === 'close') {
            stopped = true;
            ctx.socket.end();
            return;
          }
          answerNext();
        });
      };
      ctx.socket.on('data', (chunk: Buffer) => {
        for (const req of reader.push(chunk)) {
          ctx.record(req);
          fixture.received.push(req.target);
          seen++;
          queue.push(req);
          const outstanding = queue.length + (busy ? 1 : 0);
          if (outstanding > fixture.maxOutstanding) fixture.maxOutstanding = outstanding;
        }
        answerNext();
      });
    }),
  );
  return Object.assign(fixture, { url: server.url, connections: () => server.connections });
}

function targets(url: string, n: number, extra: Partial<Exclude<TargetInput, string>> = {}): TargetInput[] {
  return Array.from({ length: n }, (_, i) => ({ url: `${url}/t/${i}`, ...extra }) as TargetInput);
}

/** Every target once; the ok ones got the response the server sent for them, and only those. */
function honest(results: Result[], n: number, answered: readonly string[]): void {
  expect(indexesOnce(results, n)).toBe(true);
  for (const r of byIndex(results)) {
    if (!r.ok) continue;
    expect(answered).toContain(`/t/${r.index}`);
    expect(r.bytes).toBe(100 + r.index);
  }
}

describe('pipelining', () => {
  it('writes several requests on one connection before the first answer, and matches responses in order', async () => {
    const server = await pipelineServer();
    const results = await run(targets(server.url, 12), { concurrency: 8, perHost: 1, pipeline: 4, timeout: 5000 });
    honest(results, 12, server.answered);
    expect(results.every((r) => r.ok && r.attempts === 1)).toBe(true);
    expect(server.connections()).toBe(1);
    // The first request proves the server keeps HTTP/1.1 connections alive; then up to 4 at once.
    expect(server.maxOutstanding).toBeGreaterThan(1);
    expect(server.maxOutstanding).toBeLessThanOrEqual(4);
    for (const r of results) {
      expect(r.timings.firstByte).not.toBeNull();
      expect(r.timings.firstByte!).toBeLessThanOrEqual(r.timings.total);
    }
  });

  it('is off by default: one request at a time', async () => {
    const server = await pipelineServer();
    const results = await run(targets(server.url, 6), { concurrency: 8, perHost: 1, timeout: 5000 });
    honest(results, 6, server.answered);
    expect(server.maxOutstanding).toBe(1);
  });

  it('a server that closes after 3 responses: the unanswered requests run again elsewhere, not as attempts', async () => {
    const server = await pipelineServer((n) => (n === 2 ? 'close' : 'answer'));
    const results = await run(targets(server.url, 10), { concurrency: 8, perHost: 1, pipeline: 4, timeout: 5000 });
    honest(results, 10, server.answered);
    expect(results.every((r) => r.ok && r.attempts === 1)).toBe(true);
    expect(server.maxOutstanding).toBeGreaterThan(1);
    expect(server.connections()).toBeGreaterThan(1);
  });

  it('a server that answers only the first request of a connection: none of the others is ok', async () => {
    const server = await pipelineServer((n) => (n === 0 ? 'answer' : 'ignore'));
    const results = await run(targets(server.url, 6), { concurrency: 6, perHost: 1, pipeline: 3, timeout: 400 });
    honest(results, 6, server.answered);
    expect(server.maxOutstanding).toBeGreaterThan(1);
    for (const r of results) {
      if (!r.ok) expect(r.error?.code).toBe('timeout');
    }
  });

  it('a reset mid-pipeline: the one in progress fails or runs again, the rest go back to the queue', async () => {
    // Connection 0 answers two responses, then resets; later connections answer everything.
    const server = await pipelineServer((n, conn) => (conn === 0 && n === 2 ? 'reset' : 'answer'));
    const results = await run(targets(server.url, 10), { concurrency: 8, perHost: 1, pipeline: 4, timeout: 5000 });
    honest(results, 10, server.answered);
    expect(server.maxOutstanding).toBeGreaterThan(1);
    for (const r of results) {
      if (!r.ok) expect(['reset', 'truncated']).toContain(r.error?.code);
      else expect(r.attempts).toBe(1);
    }
    expect(server.connections()).toBeGreaterThan(1);
  });

  it('a pipelined request whose own deadline runs out fails alone; the ones behind it run again', async () => {
    // /t/1 is answered late; /t/2, pipelined behind it, has a short budget of its own.
    const server = await pipelineServer(
      () => 'answer',
      '1.1',
      (target) => (target === '/t/1' ? 300 : 5),
    );
    const inputs = targets(server.url, 4).map((t, i) =>
      i === 2 ? ({ ...(t as object), timeout: '100ms' } as TargetInput) : t,
    );
    const results = await run(inputs, { concurrency: 4, perHost: 1, pipeline: 3, timeout: 5000 });
    honest(results, 4, server.answered);
    expect(server.maxOutstanding).toBeGreaterThan(1);
    const [r0, r1, r2, r3] = byIndex(results);
    expect([r0?.ok, r1?.ok, r3?.ok]).toEqual([true, true, true]);
    expect(r2?.error?.code).toBe('timeout');
    expect(r3?.attempts).toBe(1);
  });

  it('cancelling mid-pipeline reports every pipelined request once, cancelled', async () => {
    const server = await pipelineServer((n) => (n === 0 ? 'answer' : 'ignore'));
    const controller = new AbortController();
    const running = run(targets(server.url, 8), {
      concurrency: 8,
      perHost: 1,
      pipeline: 4,
      timeout: 5000,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 200).unref();
    const results = await running;
    honest(results, 8, server.answered);
    expect(server.maxOutstanding).toBeGreaterThan(1);
    const codes = byIndex(results).map((r) => (r.ok ? 'ok' : r.error?.code));
    expect(codes[0]).toBe('ok');
    expect(codes.slice(1).every((c) => c === 'cancelled')).toBe(true);
  });

  it('never pipelines a non-idempotent method', async () => {
    const server = await pipelineServer();
    const results = await run(targets(server.url, 6, { method: 'POST' }), {
      concurrency: 8,
      perHost: 1,
      pipeline: 4,
      timeout: 5000,
    });
    honest(results, 6, server.answered);
    expect(server.maxOutstanding).toBe(1);
  });

  it('never pipelines behind a request that asks for Connection: close', async () => {
    const server = await pipelineServer();
    const inputs = targets(server.url, 6, { headers: { Connection: 'close' } });
    const results = await run(inputs, { concurrency: 8, perHost: 1, pipeline: 4, timeout: 5000 });
    honest(results, 6, server.answered);
    expect(server.maxOutstanding).toBe(1);
  });

  it('never pipelines to a server that answers HTTP/1.0', async () => {
    const server = await pipelineServer(() => 'answer', '1.0');
    const results = await run(targets(server.url, 6), { concurrency: 8, perHost: 1, pipeline: 4, timeout: 5000 });
    honest(results, 6, server.answered);
    expect(server.maxOutstanding).toBe(1);
  });

  it('rejects a pipeline depth that is not a whole number from 1', async () => {
    await expect(run([], { pipeline: 0 })).rejects.toBeInstanceOf(OptionError);
    await expect(run([], { pipeline: 2.5 })).rejects.toThrow(/pipeline/);
  });
});
