import { describe, expect, it } from 'vitest';
import type { Expectation } from '../../src/expect/types.js';
import { buildExpectation, DEFAULT_EXPECTATION, readExpectation, withFallback } from '../../src/expect/parse.js';

const fallback: Expectation = {
  status: [[200, 204]],
  statusText: '200-204',
  maxTime: 5000,
  bodyIncludes: 'ok',
  header: [{ name: 'x-a', kind: 'equals', value: '1' }],
};

describe('DEFAULT_EXPECTATION', () => {
  it('is status 200-399', () => {
    expect(DEFAULT_EXPECTATION).toEqual({ status: [[200, 399]], statusText: '200-399' });
  });
  it('cannot be changed by accident', () => {
    expect(Object.isFrozen(DEFAULT_EXPECTATION)).toBe(true);
    expect(Object.isFrozen(DEFAULT_EXPECTATION.status)).toBe(true);
  });
});

describe('buildExpectation', () => {
  it('returns the fallback when there is no expect object', () => {
    expect(buildExpectation(undefined, fallback)).toBe(fallback);
  });

  it('keeps every fallback field the object leaves out', () => {
    expect(buildExpectation({}, fallback)).toEqual(fallback);
    expect(buildExpectation({ maxTime: '1s' }, fallback)).toEqual({ ...fallback, maxTime: 1000 });
  });

  it('replaces the fields it gives', () => {
    const built = buildExpectation(
      {
        status: '2xx,304',
        maxTime: 1500,
        bodyIncludes: 'hello',
        header: { 'Content-Type': 'text/html', ETag: 7 as never },
      },
      DEFAULT_EXPECTATION,
    );
    expect(built).toEqual({
      status: [
        [200, 299],
        [304, 304],
      ],
      statusText: '2xx,304',
      maxTime: 1500,
      bodyIncludes: 'hello',
      header: [
        { name: 'content-type', kind: 'equals', value: 'text/html' },
        { name: 'etag', kind: 'equals', value: '7' },
      ],
    });
  });

  it('accepts a status number', () => {
    expect(buildExpectation({ status: 201 }, DEFAULT_EXPECTATION).status).toEqual([[201, 201]]);
  });

  it('an empty header object clears the fallback header requirement', () => {
    expect(buildExpectation({ header: {} }, fallback).header).toBeUndefined();
  });

  it('does not modify the fallback', () => {
    buildExpectation({ status: '500', header: {} }, fallback);
    expect(fallback.statusText).toBe('200-204');
    expect(fallback.header).toEqual([{ name: 'x-a', kind: 'equals', value: '1' }]);
  });

  it.each([
    ['a string', 'oops', /field "expect" must be an object, got string "oops"/],
    ['an array', [], /field "expect" must be an object, got an array/],
    ['null', null, /field "expect" must be an object, got null/],
    ['an unknown field', { stauts: 200 }, /unknown field "expect.stauts" \(did you mean "expect.status"\?\)/],
    ['a bad status', { status: '2xx,9' }, /field "expect.status": bad status "9"/],
    ['a status of the wrong type', { status: true }, /field "expect.status" must be .* got boolean true/],
    ['a bad maxTime', { maxTime: 'soon' }, /field "expect.maxTime": invalid duration "soon"/],
    ['a maxTime of the wrong type', { maxTime: [] }, /field "expect.maxTime" must be .* got an array/],
    ['an empty bodyIncludes', { bodyIncludes: '' }, /field "expect.bodyIncludes" must be a non-empty string/],
    ['a bodyIncludes number', { bodyIncludes: 3 }, /field "expect.bodyIncludes" .* got number 3/],
    ['a header list', { header: ['x'] }, /field "expect.header" must be an object/],
    ['a bad header name', { header: { 'a b': 'x' } }, /field "expect.header": header name "a b"/],
    ['a header value with CRLF', { header: { a: 'x\r\ny' } }, /field "expect.header.a": .*contains CR/],
    [
      'a header value of the wrong type',
      { header: { a: null } },
      /field "expect.header.a" must be a string, \{"includes": "…"\} or \{"matches": "regex"\}, got null/,
    ],
    [
      'an invalid regular expression',
      { header: { a: { matches: '(' } } },
      /field "expect.header.a.matches": invalid regular expression "\("/,
    ],
    [
      'an empty includes',
      { header: { a: { includes: '' } } },
      /field "expect.header.a.includes" must be a non-empty string/,
    ],
    [
      'two forms at once',
      { header: { a: { includes: 'x', matches: 'y' } } },
      /field "expect.header.a" must be a string/,
    ],
  ])('rejects %s naming the field', (_, obj, message) => {
    expect(() => buildExpectation(obj as never, DEFAULT_EXPECTATION)).toThrow(message);
  });
});

describe('buildExpectation: certDaysLeft', () => {
  it('takes a whole number of days, 0 or more', () => {
    expect(buildExpectation({ certDaysLeft: 30 }, fallback)).toEqual({ ...fallback, certDaysLeft: 30 });
    expect(buildExpectation({ certDaysLeft: 0 }, DEFAULT_EXPECTATION)).toEqual({
      ...DEFAULT_EXPECTATION,
      certDaysLeft: 0,
    });
  });

  it.each([
    ['a string', '30', /field "expect.certDaysLeft" must be a whole number of days .* got string "30"/],
    ['a fraction', 1.5, /field "expect.certDaysLeft" .* got number 1.5/],
    ['a negative number', -1, /field "expect.certDaysLeft" .* got number -1/],
    ['null', null, /field "expect.certDaysLeft" .* got null/],
  ])('rejects %s naming the field', (_, value, message) => {
    expect(() => buildExpectation({ certDaysLeft: value } as never, DEFAULT_EXPECTATION)).toThrow(message);
  });
});

describe('readExpectation (the run-wide `expect` option)', () => {
  it('takes a status spec, or an object as a target file writes it', () => {
    expect(readExpectation('2xx')).toEqual({ status: [[200, 299]], statusText: '2xx' });
    expect(readExpectation(204)).toEqual({ status: [[204, 204]], statusText: '204' });
    expect(readExpectation({ status: '201', maxTime: '1s' })).toEqual({
      status: [[201, 201]],
      statusText: '201',
      maxTime: 1000,
    });
    expect(() => readExpectation(true)).toThrow('must be a status spec like "200-299" or an object, got boolean true');
  });

  it('takes an expectation compiled here as it is: the CLI flags are not checked a second time', () => {
    const fromFlags = withFallback({ maxTime: 5, bodyIncludes: 'ok' }, DEFAULT_EXPECTATION);
    expect(readExpectation(fromFlags)).toBe(fromFlags);
    const fromFile = buildExpectation({ status: '2xx' }, DEFAULT_EXPECTATION);
    expect(readExpectation(fromFile)).toBe(fromFile);
  });

  it('checks a built one from a library caller field by field', () => {
    const built = { status: [[200, 299]], statusText: '2xx', maxTime: 100, bodyMatches: /ok/i };
    const read = readExpectation(built);
    expect(read).not.toBe(built);
    expect(read).toEqual(built);
    expect(() => readExpectation({ status: [[0, 1000]], statusText: 'x' })).toThrow(
      '.status must be a non-empty list of [low, high] codes from 100 to 599',
    );
    expect(() => readExpectation({ status: [[200, 299]], statusText: '2xx', maxTime: 5 })).toThrow(
      'did you mean "5s"?',
    );
    expect(() => readExpectation({ status: [[200, 299]], statusText: '2xx', bodyMatches: /(a)\1/ })).toThrow(
      'cannot be matched in linear time',
    );
  });
});

describe('withFallback', () => {
  it('sets the given fields over the fallback, leaving both as they were', () => {
    const given = { bodyIncludes: 'yes' };
    const merged = withFallback(given, fallback);
    expect(merged).toEqual({ ...fallback, bodyIncludes: 'yes' });
    expect(given).toEqual({ bodyIncludes: 'yes' });
    expect(fallback.bodyIncludes).toBe('ok');
  });
});
