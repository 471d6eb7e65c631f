import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { tooDeep } from '../../../src/targets/depth.js';
import { DeepValue, nestsDeeperThan, parseShallow } from '../../../src/targets/read/json-bounded.js';
import { documentItems, parseJsonDocument } from '../../../src/targets/read/json-document.js';
import { locateJsonError } from '../../../src/targets/read/json-position.js';

const nested = (depth: number, inner = ''): string => `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;

describe('nestsDeeperThan', () => {
  it('counts brackets outside strings only', () => {
    expect(nestsDeeperThan('[[1]]', 2)).toBe(false);
    expect(nestsDeeperThan('[[[1]]]', 2)).toBe(true);
    expect(nestsDeeperThan('["[[[[", "\\"[[[["]', 1)).toBe(false);
  });
});

describe('parseShallow', () => {
  it('gives exactly what JSON.parse gives when nothing is too deep', () => {
    fc.assert(
      fc.property(fc.oneof(fc.array(fc.jsonValue()), fc.dictionary(fc.string(), fc.jsonValue())), (value) => {
        const text = JSON.stringify(value, null, 1);
        expect(parseShallow(text, 1000)).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it('stands in for each too-deep part with the path tooDeep would name', () => {
    const parts = [
      nested(40),
      `{"a": 1, "b": {"c": [1, 2, ${nested(40)}]}}`,
      '"[[[["',
      `{"x": "}", "y": [${nested(3)}, ${nested(40)}]}`,
    ];
    const got = parseShallow(`[${parts.join(',\n')}]`, 32) as unknown[];
    expect(got).toHaveLength(4);
    parts.forEach((text, i) => {
      const expected = tooDeep(JSON.parse(text), 32);
      if (expected === null) expect(got[i]).toEqual(JSON.parse(text));
      else expect(got[i]).toEqual(new DeepValue(expect.any(String) as never, expected));
    });
  });

  it('cuts a {"targets": […]} document per target, and parses its other members whole', () => {
    const text = `{"defaults": {"method": "HEAD"}, "targets": ["a.test", ${nested(100)}, {"url": "b.test"}]}`;
    const got = parseShallow(text, 32) as { defaults: unknown; targets: unknown[] };
    expect(got.defaults).toEqual({ method: 'HEAD' });
    expect(got.targets[0]).toBe('a.test');
    expect(got.targets[1]).toBeInstanceOf(DeepValue);
    expect(got.targets[2]).toEqual({ url: 'b.test' });
  });
});

describe('parseJsonDocument on deep documents', () => {
  it('turns a 5,000,000-deep target into one invalid item without building it; the others stay', () => {
    const items = documentItems(parseJsonDocument(`["a.test", ${nested(5_000_000)}, "b.test"]`, 'x.json'), 'x.json');
    expect(items).toEqual([
      { input: 'a.test' },
      {
        raw: `${'['.repeat(40)}…`,
        invalid: expect.stringMatching(/^x\.json: target 2 nested deeper than 32 levels \(at \$\[1\]\[0\]/),
      },
      { input: 'b.test' },
    ]);
  });

  it('still reports where a deep document is malformed', () => {
    expect(() => parseJsonDocument(`[${nested(1000)}, }`, 'x.json')).toThrow(UsageError);
    expect(() => parseJsonDocument(`[${nested(1000)}, }`, 'x.json')).toThrow(
      /^x\.json:1:2004: unexpected "}", expected a value$/,
    );
  });

  it('finds the error in 10M unclosed brackets (the scanner keeps one bit per level)', () => {
    expect(locateJsonError('['.repeat(10_000_000))).toMatchObject({
      offset: 10_000_000,
      message: expect.stringContaining('end of input'),
    });
  });
});
