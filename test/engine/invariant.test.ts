/**
 * One run over a mix of well-behaved and hostile servers, interleaved, at concurrency 8 with
 * small timeouts: whatever each server does, every target gets exactly one result, with the error
 * code its server earns, and the run ends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorCode, Result, TargetInput } from '../../src/types.js';
import {
  startCloseMidServer,
  startDoubleResponseServer,
  startEndless1xxServer,
  startEndlessBodyServer,
  startEndlessChunkedServer,
  startEndlessHeadersServer,
  startGarbageServer,
  startHttpServer,
  startHttpsServer,
  startKeepAliveRaceServer,
  startOverlongBodyServer,
  startOversizeHeadersServer,
  startRefusedPort,
  startResetServer,
  startSilentServer,
  startSlowLorisServer,
  startStallAfterStatusServer,
  type TestServer,
} from '../helpers/servers.js';
import { fakeLookup, indexesOnce, run } from './harness.js';

/** The run's timeout, which the stalling servers run into. */
const TIMEOUT = 300;
/**
 * The own timeout of targets expected to finish. The flooding fixtures run in this process and
 * make each event-loop turn take tens of ms (more on a busy 2-core machine): a prompt server can
 * then take longer than 300 ms to be served, which says nothing about the engine.
 */
const PROMPT_TIMEOUT = 5000;
const CONNECT_TIMEOUT = 2000;

type Outcome = ErrorCode | 'ok' | 'status';

interface Kind {
  /** Builds one target of this kind. */
  target: () => TargetInput;
  /** The outcomes this kind may have ('status': a response that failed its expectation). */
  outcomes: readonly Outcome[];
}

const servers: TestServer[] = [];
const kinds: Record<string, Kind> = {};

async function add(
  name: string,
  server: Promise<TestServer>,
  path: string,
  outcomes: readonly Outcome[],
): Promise<void> {
  const s = await server;
  servers.push(s);
  const url = `${s.url}${path}`;
  kinds[name] = { target: () => (outcomes.includes('timeout') ? url : { url, timeout: PROMPT_TIMEOUT }), outcomes };
}

beforeAll(async () => {
  await add('ok', startHttpServer(), '/ok', ['ok']);
  await add('chunked', startHttpServer(), '/chunked/5000', ['ok']);
  await add('404', startHttpServer(), '/status/404', ['status']);
  await add('slow-fits', startHttpServer(), '/slow/50', ['ok']);
  await add('slow-too-slow', startHttpServer(), '/slow/2000', ['timeout']);
  await add('never', startHttpServer(), '/never', ['timeout']);
  await add('silent', startSilentServer(), '/', ['timeout']);
  await add('stall-after-status', startStallAfterStatusServer(), '/', ['timeout']);
  await add('slow-loris', startSlowLorisServer({ intervalMs: 20 }), '/', ['timeout']);
  await add('close-mid-status', startCloseMidServer('status-line'), '/', ['truncated']);
  await add('close-mid-headers', startCloseMidServer('headers'), '/', ['truncated']);
  await add('close-mid-body', startCloseMidServer('body'), '/', ['truncated']);
  await add('close-mid-chunk', startCloseMidServer('chunk'), '/', ['truncated']);
  await add('garbage-ssh', startGarbageServer({ payload: 'ssh' }), '/', ['protocol']);
  await add('garbage-binary', startGarbageServer({ payload: 'binary' }), '/', ['protocol']);
  await add('endless-headers', startEndlessHeadersServer(), '/', ['too_large']);
  await add('endless-chunked', startEndlessChunkedServer(), '/', ['timeout']);
  await add('endless-body', startEndlessBodyServer(), '/', ['timeout']);
  await add('endless-1xx', startEndless1xxServer(), '/', ['protocol']);
  await add('reset-before', startResetServer('before-request'), '/', ['reset']);
  await add('reset-after', startResetServer('after-request'), '/', ['reset']);
  await add('double', startDoubleResponseServer(), '/', ['ok']);
  await add('overlong', startOverlongBodyServer(), '/', ['ok']);
  await add('race', startKeepAliveRaceServer(), '/', ['ok']);
  // Which request lands second on a connection depends on scheduling: ok or truncated.
  await add('race-partial', startKeepAliveRaceServer({ partial: true }), '/', ['ok', 'truncated']);
  await add('oversize', startOversizeHeadersServer(70_000), '/', ['too_large']);
  await add('tls-self-signed', startHttpsServer({ cert: 'self-signed' }), '/ok', ['tls']);
  const refused = await startRefusedPort();
  kinds.refused = { target: () => `http://127.0.0.1:${refused}/`, outcomes: ['refused'] };
  kinds['dns-fails'] = { target: () => 'http://does-not-resolve.test/', outcomes: ['dns'] };
  kinds.invalid = { target: () => 'ftp://nope/', outcomes: ['invalid_target'] };
});

afterAll(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A fixed shuffle (xorshift), so a failure reproduces. */
function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  let x = 0x2545f491;
  for (let i = out.length - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const j = (x >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function outcome(r: Result): Outcome {
  if (r.error !== null) return r.error.code;
  return r.ok ? 'ok' : 'status';
}

describe('a mixed run', () => {
  it('gives every target exactly one honest result and ends within the timeouts', { timeout: 15_000 }, async () => {
    const names = shuffled(Object.keys(kinds).flatMap((name) => [name, name]));
    expect(names.length).toBe(60);
    const inputs = names.map((name) => kinds[name]!.target());
    const results = await run(inputs, {
      concurrency: 8,
      timeout: TIMEOUT,
      connectTimeout: CONNECT_TIMEOUT,
      lookup: fakeLookup({}),
    });

    expect(results.length).toBe(inputs.length);
    expect(indexesOnce(results, inputs.length)).toBe(true);

    const wrong: string[] = [];
    for (const r of results) {
      const name = names[r.index]!;
      if (!kinds[name]!.outcomes.includes(outcome(r)))
        wrong.push(`#${r.index} ${name}: ${outcome(r)} (${r.error?.message ?? ''})`);
      // The shape every result keeps, whatever happened.
      if (r.ok) expect([r.error, r.failures]).toEqual([null, []]);
      if (r.error === null) expect(r.status).not.toBeNull();
      expect(r.error?.code === 'timeout').toBe(r.error?.phase !== undefined);
      if (r.reused) expect([r.timings.dns, r.timings.connect, r.timings.tls]).toEqual([null, null, null]);
      if (r.timings.firstByte !== null) expect(r.timings.firstByte).toBeLessThanOrEqual(r.timings.total);
      // Each result's clock starts when it leaves the queue, so none outlives its own budget by much.
      const budget = kinds[name]!.outcomes.includes('timeout') ? TIMEOUT : PROMPT_TIMEOUT;
      expect(r.timings.total).toBeLessThan(budget + 1000);
      if (r.error?.code === 'timeout') expect(r.timings.total).toBeGreaterThanOrEqual(budget);
    }
    expect(wrong.join('\n')).toBe('');
  });
});
