import fc from 'fast-check';
import type { ErrorCode, Result, TimeoutPhase } from '../../src/types.js';

const CODES: ErrorCode[] = [
  'invalid_target',
  'dns',
  'refused',
  'reset',
  'timeout',
  'tls',
  'protocol',
  'truncated',
  'too_large',
  'cancelled',
  'connect',
];
const PHASES: TimeoutPhase[] = ['connect', 'tls', 'headers', 'body'];

/** Text a hostile server or a careless user might produce: controls, quotes, commas, non-BMP, lone surrogates. */
export const nastyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    'a,b',
    'say "hi"',
    'line1\r\nline2',
    '<tag attr="x">&amp;\'',
    '\x1b[31m',
    '',
    ' lead',
    'trail ',
    '=1+2',
  ),
);

const ms = fc.double({ min: 0, max: 1e6, noNaN: true });

/** Any Result, with unique indexes supplied by the caller. */
export function arbResult(index: number): fc.Arbitrary<Result> {
  return fc
    .record({
      input: nastyText,
      name: fc.option(nastyText, { nil: undefined }),
      url: fc.option(nastyText, { nil: null }),
      method: fc.constantFrom('GET', 'POST', 'HEAD', 'DELETE'),
      status: fc.option(fc.integer({ min: 100, max: 599 }), { nil: null }),
      ok: fc.boolean(),
      bytes: fc.nat(),
      dns: fc.option(ms, { nil: null }),
      connect: fc.option(ms, { nil: null }),
      tls: fc.option(ms, { nil: null }),
      firstByte: fc.option(ms, { nil: null }),
      total: ms,
      reused: fc.boolean(),
      httpVersion: fc.constantFrom('1.0' as const, '1.1' as const, '2' as const, null),
      error: fc.option(
        fc.record({
          code: fc.constantFrom(...CODES),
          phase: fc.option(fc.constantFrom(...PHASES), { nil: undefined }),
          message: nastyText,
        }),
        { nil: null },
      ),
      failures: fc.array(nastyText, { maxLength: 3 }),
    })
    .map((v) => {
      const r: Result = {
        index,
        input: v.input,
        url: v.url,
        method: v.method,
        status: v.status,
        ok: v.ok,
        bytes: v.bytes,
        timings: { dns: v.dns, connect: v.connect, tls: v.tls, firstByte: v.firstByte, total: v.total },
        reused: v.reused,
        httpVersion: v.httpVersion,
        error:
          v.error === null
            ? null
            : v.error.phase === undefined
              ? { code: v.error.code, message: v.error.message }
              : { code: v.error.code, phase: v.error.phase, message: v.error.message },
        failures: v.failures,
        attempts: 1,
        redirects: [],
        finalUrl: v.url,
        remoteAddress: null,
        tls: null,
        decodedBytes: null,
        savedTo: null,
      };
      if (v.name !== undefined) r.name = v.name;
      return r;
    });
}

/** A list of results with indexes 0..n-1, in a random completion order. */
export const arbRun = fc
  .integer({ min: 0, max: 15 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => arbResult(i))))
  .chain((results) => fc.shuffledSubarray(results, { minLength: results.length, maxLength: results.length }));
