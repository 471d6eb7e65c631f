/**
 * The response parser against llhttp (Node's parser, from undici's WebAssembly build): generated
 * and mutated responses, fed to both at the same random split points. Every disagreement must be
 * one of the deliberate differences listed in parser-diff.ts — each shown here on an example, so
 * the list cannot go stale. Bounded for CI (fixed seed and count); `npm run fuzz:parser -- N`
 * runs N cases with a fresh seed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Case, caseArb, check, DELIBERATE, differences, explain, ours, theirs } from './parser-diff.js';

const RUNS = 2000;
const SEED = 20_261_127;

const caseOf = (text: string, method: 'GET' | 'HEAD' = 'GET', cuts: number[] = []): Case => ({
  bytes: Buffer.from(text, 'latin1'),
  cuts,
  method,
  close: true,
});

describe('parser vs llhttp', () => {
  it(`agree on ${RUNS} generated and mutated responses, or differ only deliberately`, () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const report = check(c);
        if (report !== null) throw new Error(report);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('the generator is not vacuous: most cases are complete responses both read the same', () => {
    const cases = fc.sample(caseArb, { numRuns: 300, seed: SEED });
    let same = 0;
    let complete = 0;
    let failed = 0;
    for (const c of cases) {
      const o = ours(c);
      if (differences(o, theirs(c)).length === 0) same++;
      if (o.complete) complete++;
      if (o.error) failed++;
    }
    expect(same).toBeGreaterThan(150);
    expect(complete).toBeGreaterThan(100);
    expect(failed).toBeGreaterThan(20);
  });

  it('agree on ordinary responses, fed at every split point', () => {
    for (const text of [
      'HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 5\r\n\r\nhello',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n0\r\nX-T: 1\r\n\r\n',
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\n\r\nuntil close',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
      'HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n',
    ]) {
      for (let cut = 0; cut < text.length; cut++) {
        const c = caseOf(text, 'GET', cut === 0 ? [] : [cut]);
        expect(differences(ours(c), theirs(c)), `${JSON.stringify(text)} cut at ${cut}`).toEqual([]);
      }
    }
  });
});

describe('deliberate differences from llhttp', () => {
  for (const d of DELIBERATE) {
    it(`${d.name}: ${d.why}`, () => {
      const { text, method = 'GET', close = true, ours: want } = d.example;
      const whole = { ...caseOf(text, method), close };
      const o = ours(whole);
      const t = theirs(whole);
      // The example does show a difference, ours is what the choice says, and the rule covers it.
      expect(differences(o, t)).not.toEqual([]);
      expect(o.error ? 'error' : 'ok', o.reason ?? '').toBe(want);
      expect(explain(whole, o, t)?.name).toBe(d.name);
      // Ours is the same at every split point.
      for (let cut = 1; cut < whole.bytes.length; cut++) {
        expect(ours({ ...whole, cuts: [cut] }).error, `cut at ${cut}`).toBe(o.error);
      }
    });
  }
});
