import { describe, expect, it } from 'vitest';
import { parseStatusSpec } from '../../src/expect/status.js';

describe('parseStatusSpec', () => {
  it('parses single codes, ranges, classes and mixes', () => {
    expect(parseStatusSpec('200,204')).toEqual({
      ranges: [
        [200, 200],
        [204, 204],
      ],
      text: '200,204',
    });
    expect(parseStatusSpec('200-299')).toEqual({ ranges: [[200, 299]], text: '200-299' });
    expect(parseStatusSpec('2xx,3xx')).toEqual({
      ranges: [
        [200, 299],
        [300, 399],
      ],
      text: '2xx,3xx',
    });
    expect(parseStatusSpec('2XX, 304 ,400 - 404')).toEqual({
      ranges: [
        [200, 299],
        [304, 304],
        [400, 404],
      ],
      text: '2xx,304,400-404',
    });
  });

  it('accepts a number', () => {
    expect(parseStatusSpec(204)).toEqual({ ranges: [[204, 204]], text: '204' });
  });

  it('accepts the edges of the code space', () => {
    expect(parseStatusSpec('100-599').ranges).toEqual([[100, 599]]);
    expect(parseStatusSpec('1xx,5xx').ranges).toEqual([
      [100, 199],
      [500, 599],
    ]);
  });

  it.each([
    ['', /empty status spec/],
    ['  ', /empty status spec/],
    ['200,,204', /empty part/],
    ['200,', /empty part/],
    ['abc', /bad status "abc"/],
    ['2x', /bad status "2x"/],
    ['6xx', /bad status "6xx"/],
    ['20', /bad status "20"/],
    ['2000', /bad status "2000"/],
    ['200-', /bad status "200-"/],
    ['099', /"099".*100 to 599/],
    ['600', /"600".*100 to 599/],
    ['200-700', /"200-700".*100 to 599/],
    ['299-200', /"299-200".*backwards/],
  ])('rejects %j naming the bad part', (spec, message) => {
    expect(() => parseStatusSpec(spec)).toThrow(message);
  });

  it('rejects numbers outside 100–599 and non-integers', () => {
    expect(() => parseStatusSpec(99)).toThrow(/100 to 599/);
    expect(() => parseStatusSpec(600)).toThrow(/100 to 599/);
    expect(() => parseStatusSpec(200.5)).toThrow(/100 to 599/);
  });

  it('rejects other types', () => {
    expect(() => parseStatusSpec(null as never)).toThrow(/got null/);
  });
});
