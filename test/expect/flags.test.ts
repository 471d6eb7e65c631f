/**
 * src/expect/flags.ts: the CLI's --expect flags, compiled once with the readers a target file's
 * `expect` uses; a bad flag is an OptionError naming it.
 */
import { describe, expect, it } from 'vitest';
import { OptionError } from '../../src/errors.js';
import { type ExpectFlagText, expectationFromFlags } from '../../src/expect/flags.js';
import { buildExpectation } from '../../src/expect/parse.js';

const NONE: ExpectFlagText = { expectHeader: [], expectJson: [] };

function refused(flags: Partial<ExpectFlagText>): OptionError {
  try {
    expectationFromFlags({ ...NONE, ...flags });
  } catch (err) {
    expect(err).toBeInstanceOf(OptionError);
    return err as OptionError;
  }
  throw new Error('not refused');
}

describe('expectationFromFlags', () => {
  it('gives only the fields of the flags given', () => {
    expect(expectationFromFlags(NONE)).toEqual({});
    expect(expectationFromFlags({ ...NONE, expectBody: 'ok' })).toEqual({ bodyIncludes: 'ok' });
    expect(expectationFromFlags({ ...NONE, expect: '2xx,304' })).toEqual({
      status: [
        [200, 299],
        [304, 304],
      ],
      statusText: '2xx,304',
    });
  });

  it('compiles each flag as a target file compiles the same field', () => {
    const flags = expectationFromFlags({
      ...NONE,
      expectTime: '1.5',
      expectHeader: ['Content-Type: application/json'],
      expectJson: ['$.a=1', '$["b c"]={"matches": "^x"}'],
      expectMatch: '/^ok$/i',
    });
    const file = buildExpectation(
      {
        maxTime: '1500ms',
        header: { 'Content-Type': 'application/json' },
        json: { '$.a': 1, '$["b c"]': { matches: '^x' } },
        bodyMatches: '/^ok$/i',
      },
      { status: [[200, 399]], statusText: '200-399' },
    );
    expect(flags).toEqual({
      maxTime: file.maxTime,
      header: file.header,
      json: file.json,
      bodyMatches: file.bodyMatches,
    });
  });

  it('keeps a header given twice, in order', () => {
    const got = expectationFromFlags({ ...NONE, expectHeader: ['X-A: 1', 'x-a: {"includes": "2"}'] });
    expect(got.header?.map((r) => [r.name, r.value])).toEqual([
      ['x-a', '1'],
      ['x-a', '{"includes": "2"}'],
    ]);
  });

  it('names the flag of the first bad one', () => {
    expect(refused({ expect: '700' }).message).toBe('--expect: status "700" in "700" is not a code from 100 to 599');
    expect(refused({ expectBody: '' }).message).toBe('--expect-body needs some text');
    expect(refused({ expectTime: 'soon' }).option).toBe('--expect-time');
    expect(refused({ expectTime: '5ms' }).message).toBe(
      '--expect-time: 5 is 5 ms (a number is milliseconds); did you mean "5s"? Write "5ms" if not',
    );
    expect(refused({ expectHeader: ['nonsense'] }).message).toBe('--expect-header "nonsense": use "Name: value"');
    expect(refused({ expectJson: ['$.a=1', '$.a=2'] }).message).toBe('--expect-json: "$.a" is given twice');
    expect(refused({ expectJson: ['$..a=1'] }).option).toBe('--expect-json');
    expect(refused({ expectMatch: '(a)\\1' }).option).toBe('--expect-match');
    expect(refused({ expect: '2xx', expectBody: '', expectMatch: '(' }).option).toBe('--expect-body');
  });
});
