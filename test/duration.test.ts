import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkBudget, MAX_DURATION_MS, parseDuration, parseFlagDuration } from '../src/duration.js';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['2s', 2000],
    ['1.5m', 90_000],
    ['1h', 3_600_000],
    ['.5s', 500],
    [' 2 s ', 2000],
    ['2S', 2000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text as string)).toBe(ms);
  });

  it('takes a number as milliseconds (issue 23: as in the library options)', () => {
    expect(parseDuration(1500)).toBe(1500);
    expect(parseDuration(250)).toBe(250);
  });

  it('refuses a string without a unit, naming both readings', () => {
    expect(() => parseDuration('5')).toThrow(
      'invalid duration "5": give a unit, "5s" or "5ms" (a number, 5, is milliseconds)',
    );
  });

  it('rounds to whole milliseconds', () => {
    expect(parseDuration('1.6ms')).toBe(2);
    expect(parseDuration(1.4)).toBe(1);
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
    expect(() => parseDuration('0s')).toThrow(/greater than 0/);
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

describe('parseFlagDuration (the command line)', () => {
  it('takes a unit, or a bare number of seconds below 100, as curl --max-time', () => {
    expect(parseFlagDuration('250ms')).toBe(250);
    expect(parseFlagDuration('1.5')).toBe(1500);
    expect(parseFlagDuration('30')).toBe(30_000);
    expect(parseFlagDuration('99')).toBe(99_000);
    expect(parseFlagDuration('1000s')).toBe(1_000_000);
  });

  it('refuses a bare number that reads as milliseconds, with the hint', () => {
    expect(() => parseFlagDuration('1000')).toThrow('did you mean 1000ms? (write 1000s if not)');
    expect(() => parseFlagDuration('100')).toThrow('did you mean 100ms?');
    expect(() => parseFlagDuration('soon')).toThrow('invalid duration "soon"');
  });
});

describe('checkBudget', () => {
  it('refuses a number under 10 ms as most likely meant in seconds; a string says it on purpose', () => {
    expect(() => checkBudget(5, 5)).toThrow(
      '5 is 5 ms (a number is milliseconds); did you mean "5s"? Write "5ms" if not',
    );
    expect(checkBudget('5ms', 5)).toBe(5);
    expect(checkBudget(10, 10)).toBe(10);
  });
});
