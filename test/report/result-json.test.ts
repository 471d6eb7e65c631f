import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
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
});
