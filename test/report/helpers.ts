import { Writable } from 'node:stream';
import type { Result, ResultError, Timings } from '../../src/types.js';
import { Output } from '../../src/report/output.js';
import { SummaryCollector, type Summary } from '../../src/report/summary.js';

type ResultOverrides = Partial<Omit<Result, 'timings'>> & { timings?: Partial<Timings> };

/** A plausible successful result; override what the test is about. */
export function makeResult(overrides: ResultOverrides = {}): Result {
  const { timings, ...rest } = overrides;
  const index = rest.index ?? 0;
  return {
    index,
    input: `http://127.0.0.1:8080/item/${index}`,
    url: `http://127.0.0.1:8080/item/${index}`,
    method: 'GET',
    status: 200,
    ok: true,
    bytes: 512,
    reused: false,
    httpVersion: null,
    error: null,
    failures: [],
    attempts: 1,
    redirects: [],
    finalUrl: rest.url === undefined ? `http://127.0.0.1:8080/item/${index}` : rest.url,
    remoteAddress: '127.0.0.1',
    tls: null,
    decodedBytes: null,
    savedTo: null,
    ...rest,
    timings: { dns: null, connect: 0.4, tls: null, firstByte: 2.5, total: 3.125, ...timings },
  };
}

/** A transport failure: no response, given code. */
export function makeError(index: number, error: ResultError, extra: ResultOverrides = {}): Result {
  return makeResult({
    index,
    status: null,
    ok: false,
    bytes: 0,
    error,
    ...extra,
    timings: { connect: null, firstByte: null, total: 10, ...extra.timings },
  });
}

/** An in-memory sink: an Output over a Writable that collects everything written. */
export function memoryOutput(): { out: Output; text: () => string; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _enc, cb) {
      chunks.push(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      cb();
    },
  });
  return { out: new Output(stream), text: () => chunks.join(''), stream };
}

/** Fisher–Yates with a seeded LCG, so a failure reproduces. */
export function shuffled<T>(items: readonly T[], seed = 42): T[] {
  const a = [...items];
  let s = seed >>> 0;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}

/** The Summary a run of these results would end with. */
export function summaryOf(results: readonly Result[], wallMs = 1000): Summary {
  const c = new SummaryCollector();
  for (const r of results) c.add(r);
  return c.summary(wallMs);
}
