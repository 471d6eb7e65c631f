import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { findJsonError, locateJsonError } from '../../../src/targets/read/json-position.js';

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('locateJsonError', () => {
  it('returns null for valid JSON', () => {
    for (const text of [
      '{}',
      '[]',
      ' 1 ',
      '"a\\u00e9\\n"',
      '{"a":[1,-2.5e+3,true,false,null,{"b":"c"}]}',
      '[[[[]]]]',
    ]) {
      expect(locateJsonError(text), text).toBeNull();
    }
  });

  it.each([
    ['{"a": 1,}', 1, 9, 'trailing comma before "}"'],
    ['[1, 2,\n]', 2, 1, 'trailing comma before "]"'],
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3, 'expected "," or "}" after a property value, got "\\""'],
    ['[\n  "x",\n  "y"\n', 4, 1, 'unexpected end of input, expected "," or "]"'],
    ["{'a': 1}", 1, 2, 'expected a property name in double quotes, got "\'"'],
    ["['a']", 1, 2, 'unexpected "\'" (JSON strings use double quotes)'],
    ['{"a" 1}', 1, 6, 'expected ":" after the property name, got "1"'],
    ['{"a":}', 1, 6, 'unexpected "}", expected a value'],
    ['[1 2]', 1, 4, 'expected "," or "]" after an array element, got "2"'],
    ['["abc', 1, 2, 'unterminated string'],
    ['["a\nb"]', 1, 2, 'unterminated string (line break before the closing quote)'],
    ['["a\tb"]', 1, 4, 'control character in a string (escape it)'],
    ['["\\x"]', 1, 3, 'bad escape "\\\\x" in a string'],
    ['["\\u12G4"]', 1, 3, 'bad \\u escape (needs 4 hex digits)'],
    ['[01]', 1, 3, 'expected "," or "]" after an array element, got "1"'],
    ['[1.]', 1, 4, 'expected a digit after ".", got "]"'],
    ['[1e]', 1, 4, 'expected a digit in the exponent, got "]"'],
    ['[-]', 1, 3, 'expected a digit, got "]"'],
    ['[tru]', 1, 2, 'unexpected "t", expected a value'],
    ['{} {}', 1, 4, 'unexpected "{" after the end of the JSON value'],
    ['', 1, 1, 'unexpected end of input, expected a value'],
    ['{', 1, 2, 'unexpected end of input, expected a property name'],
    ['{"a"', 1, 5, 'unexpected end of input, expected ":" after the property name'],
    ['é,', 1, 1, 'unexpected "é", expected a value'],
  ])('finds the problem in %j at %i:%i', (text, line, column, message) => {
    expect(locateJsonError(text)).toMatchObject({ line, column, message });
  });

  it('counts lines by LF, with CRLF input too', () => {
    expect(locateJsonError('[\r\n1,\r\n,2]')).toMatchObject({ line: 3, column: 1 });
  });

  it('handles deep nesting without recursion', () => {
    const deep = '['.repeat(200_000) + ']'.repeat(199_999);
    expect(locateJsonError(deep)).toMatchObject({ line: 1, column: 400_000 });
  });

  it('agrees with JSON.parse on what is valid, for JSON-like random text', () => {
    const piece = fc.constantFrom(
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
      '"',
      '"a"',
      '\\',
      '\\u00e9',
      '\\n',
      '1',
      '-',
      '0',
      '.',
      'e',
      '+',
      '12.5e-3',
      'true',
      'false',
      'null',
      'tru',
      ' ',
      '\n',
      '\t',
      "'",
      'x',
      '\u0001',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 14 }), (pieces) => {
        const text = pieces.join('');
        expect(findJsonError(text) === null).toBe(parses(text));
      }),
      { numRuns: 20_000 },
    );
  });

  it('agrees with JSON.parse on mutations of real JSON', () => {
    fc.assert(
      fc.property(
        fc.json(),
        fc.nat(),
        fc.constantFrom('', ',', '}', ']', '"', ' ', ':', '0'),
        fc.boolean(),
        (json, at, insert, cut) => {
          const i = json.length === 0 ? 0 : at % json.length;
          const text = cut ? json.slice(0, i) + insert + json.slice(i + 1) : json.slice(0, i) + insert + json.slice(i);
          expect(findJsonError(text) === null).toBe(parses(text));
        },
      ),
      { numRuns: 20_000 },
    );
  });
});
