import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Result } from '../../src/types.js';
import { resultToJson } from '../../src/report/result-json.js';
import { arbResult } from './arbitraries.js';
import { makeError, makeResult } from './helpers.js';

const ORDER = [
  'index',
  'input',
  'url',
  'method',
  'status',
  'ok',
  'bytes',
  'timings',
  'reused',
  'httpVersion',
  'error',
  'failures',
  'attempts',
  'redirects',
  'finalUrl',
  'remoteAddress',
  'tls',
  'decodedBytes',
  'savedTo',
];

describe('resultToJson', () => {
  it('writes the Result fields in the documented order', () => {
    expect(Object.keys(JSON.parse(resultToJson(makeResult())))).toEqual(ORDER);
    const named = JSON.parse(resultToJson(makeResult({ name: 'api' }))) as Record<string, unknown>;
    expect(Object.keys(named)).toEqual(['index', 'input', 'name', ...ORDER.slice(2)]);
    expect(Object.keys(named.timings as object)).toEqual(['dns', 'connect', 'tls', 'firstByte', 'total']);
  });

  it('writes the error with phase only when present', () => {
    const withPhase = JSON.parse(resultToJson(makeError(1, { code: 'timeout', phase: 'body', message: 'm' })));
    expect(withPhase.error).toEqual({ code: 'timeout', phase: 'body', message: 'm' });
    expect(Object.keys(withPhase.error)).toEqual(['code', 'phase', 'message']);
    const without = JSON.parse(resultToJson(makeError(1, { code: 'refused', message: 'm' })));
    expect(Object.keys(without.error)).toEqual(['code', 'message']);
  });

  it('turns numbers JSON cannot hold into null', () => {
    const parsed = JSON.parse(resultToJson(makeResult({ timings: { total: NaN, firstByte: Infinity } })));
    expect(parsed.timings.total).toBeNull();
    expect(parsed.timings.firstByte).toBeNull();
  });

  it('writes every number as JSON.stringify does, hundredths included (property)', () => {
    const numbers = fc.oneof(
      fc.integer({ min: 0, max: 1e9 }).map((c) => c / 100),
      fc.integer({ min: 0, max: 1e9 }).map((c) => Math.round((c / 100) * 100) / 100),
      fc.double({ noNaN: true }),
      fc.constantFrom(0, -0, 0.1, 0.07, 1.1, 2.5, 1e7, 9999999.99, 1e21, 5e-7, -3.25),
    );
    fc.assert(
      fc.property(numbers, (total) => {
        const line = resultToJson(makeResult({ timings: { total } }));
        expect(line).toContain(`"total":${JSON.stringify(total)}}`);
      }),
      { numRuns: 2000 },
    );
  });

  it('is one line of valid JSON that round-trips any result (property)', () => {
    fc.assert(
      fc.property(fc.nat(1e6).chain(arbResult), (r) => {
        const line = resultToJson(r);
        expect(line).not.toMatch(/[\r\n]/);
        // Same data as the generic serializer: JSON.stringify is the reference.
        expect(JSON.parse(line)).toEqual(JSON.parse(JSON.stringify(r)));
        // Byte for byte JSON.stringify's text, except that DEL and C1 controls (which JSON.stringify
        // leaves raw) are written as \u escapes so they never reach a terminal.
        const reference = JSON.stringify(JSON.parse(line)).replace(
          /[\u007f-\u009f]/g,
          (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
        );
        expect(line).toBe(reference);
        expect(line).not.toMatch(/[\u007f-\u009f]/);
      }),
      { numRuns: 300 },
    );
  });

  it('writes each of a sequence of similar results exactly, whichever fields change from one to the next (property)', () => {
    // The line keeps runs of fields made for an earlier result; every field they are made from
    // is changed here alone or together with others, and each line must still be exact.
    const timing = fc.record(
      { dns: fc.constantFrom(null, 0.5, 1), connect: fc.constantFrom(null, 0.25), tls: fc.constantFrom(null, 3.5) },
      { requiredKeys: [] },
    );
    const fields = fc.record(
      {
        method: fc.constantFrom('GET', 'POST'),
        status: fc.option(fc.constantFrom(200, 404), { nil: null }),
        ok: fc.boolean(),
        bytes: fc.constantFrom(0, 1024),
        reused: fc.boolean(),
        httpVersion: fc.constantFrom('1.0' as const, '1.1' as const, '2' as const, null),
        attempts: fc.constantFrom(1, 2),
        error: fc.constantFrom(null, { code: 'timeout' as const, phase: 'body' as const, message: 'late' }),
        failures: fc.constantFrom([], ['status 404 not in 200-399']),
        redirects: fc.constantFrom([], [{ status: 301, url: 'http://a.test/' }]),
        remoteAddress: fc.constantFrom(null, '127.0.0.1', '::1'),
        tls: fc.constantFrom(null, makeResult().tls ?? null, { protocol: 'TLSv1.3' } as unknown as Result['tls']),
        decodedBytes: fc.constantFrom(null, 0, 2048),
        savedTo: fc.constantFrom(null, 'a.test/index'),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fields, timing), { minLength: 1, maxLength: 12 }), (changes) => {
        let r = makeResult();
        for (const [change, times] of changes) {
          r = { ...r, ...change, timings: { ...r.timings, ...times } } as Result;
          const line = resultToJson(r);
          expect(JSON.parse(line)).toEqual(JSON.parse(JSON.stringify(r)));
          expect(line).toBe(JSON.stringify(JSON.parse(line)));
        }
      }),
      { numRuns: 500 },
    );
  });
});
