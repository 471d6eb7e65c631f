import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_DURATION_MS, parseDuration } from '../../src/targets/duration.js';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['2s', 2000],
    ['1.5m', 90_000],
    ['1h', 3_600_000],
    ['1.5', 1500],
    ['30', 30_000],
    ['.5s', 500],
    [' 2 s ', 2000],
    ['2S', 2000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text as string)).toBe(ms);
  });

  it('takes a bare number as seconds', () => {
    expect(parseDuration(1.5)).toBe(1500);
    expect(parseDuration(0.25)).toBe(250);
  });

  it('rounds to whole milliseconds', () => {
    expect(parseDuration('1.6ms')).toBe(2);
    expect(parseDuration(0.0014)).toBe(1);
  });

  it.each(['abc', '', '  ', '-1', '-1s', '1d', '2 seconds', '1e3', 's', '1..5s', 'Infinity'])(
    'rejects %j with a message showing the value',
    (text) => {
      expect(() => parseDuration(text)).toThrow(/invalid duration/);
      expect(() => parseDuration(text)).toThrow(JSON.stringify(text));
    },
  );

  it('rejects zero, negatives, NaN and Infinity given as numbers', () => {
    for (const n of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => parseDuration(n)).toThrow(/invalid duration/);
    }
    expect(() => parseDuration('0')).toThrow(/greater than 0/);
    expect(() => parseDuration('0ms')).toThrow(/greater than 0/);
  });

  it('rejects a duration that rounds to 0 ms', () => {
    expect(() => parseDuration('0.4ms')).toThrow(/shorter than 1ms/);
  });

  it('rejects durations Node timers cannot hold', () => {
    expect(parseDuration(`${MAX_DURATION_MS}ms`)).toBe(MAX_DURATION_MS);
    expect(() => parseDuration(`${MAX_DURATION_MS + 1}ms`)).toThrow(/longer than/);
    expect(() => parseDuration('30d')).toThrow(/invalid duration/);
    expect(() => parseDuration('1000h')).toThrow(/longer than/);
  });

  it('agrees with the unit arithmetic for any whole number of each unit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 500 }),
        fc.constantFrom(['ms', 1], ['s', 1000], ['m', 60_000], ['h', 3_600_000]),
        (n, [unit, factor]) => {
          expect(parseDuration(`${n}${unit}`)).toBe(n * (factor as number));
        },
      ),
    );
  });
});
