/**
 * Three classes of responses where the parser must follow RFC 9112 to the letter, each case fed
 * whole, split at every point and one byte at a time:
 * - a Transfer-Encoding whose final coding is not chunked is read until close (§6.3 rule 4);
 * - a chunk extension must match its grammar (§7.1.1);
 * - a trailer line must be a valid field line (§7.1.2, §5).
 */
import { describe, expect, it } from 'vitest';
import { expectError, expectSplitInvariant, onlyHead, raw } from './parser-harness.js';

const OK = 'HTTP/1.1 200 OK\r\n';
/** A chunked body that is also plausible as a close-delimited one, to see which reading was taken. */
const CHUNKED_BODY = '5\r\nhello\r\n0\r\n\r\n';

describe('Transfer-Encoding whose final coding is not chunked: read until close (RFC 9112 §6.3 rule 4)', () => {
  const untilClose: ReadonlyArray<readonly [string, string]> = [
    ['chunked then another coding, one line', 'Transfer-Encoding: chunked, deflate\r\n'],
    ['no OWS around the comma', 'Transfer-Encoding: chunked,deflate\r\n'],
    ['mixed case, OWS and tabs', 'Transfer-Encoding: \tChunKed  ,\tGZIP \r\n'],
    [
      'chunked then identity on two lines (the nginx-style example)',
      'Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n',
    ],
    ['chunked then a list on a second line', 'Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip, br\r\n'],
    ['chunked between other codings', 'Transfer-Encoding: gzip, chunked, br\r\n'],
    ['an unknown coding only', 'Transfer-Encoding: x-custom\r\n'],
    ['unknown codings only, over two lines', 'Transfer-Encoding: foo\r\nTransfer-Encoding: bar\r\n'],
    ['a final coding with parameters', 'Transfer-Encoding: chunked, foo;a=1;b="x,y"\r\n'],
    ['an empty value (the list holds no coding, so chunked is not final)', 'Transfer-Encoding:\r\n'],
    ['only empty list elements', 'Transfer-Encoding: , ,\r\n'],
    [
      'chunked, then an empty line, then gzip',
      'Transfer-Encoding: chunked\r\nTransfer-Encoding:\r\nTransfer-Encoding: gzip\r\n',
    ],
  ];
  for (const [name, fields] of untilClose) {
    it(name, () => {
      const o = expectSplitInvariant(raw(`${OK}${fields}\r\n${CHUNKED_BODY}`));
      const head = onlyHead(o);
      expect(head.chunked).toBe(false);
      expect(head.contentLength).toBe(-1);
      expect(head.keepAlive).toBe(false);
      expect(o.body.toString('latin1')).toBe(CHUNKED_BODY);
      expect(o.completes).toEqual([false]);
    });
  }

  it('in HTTP/1.0 too', () => {
    const o = expectSplitInvariant(raw(`HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n${CHUNKED_BODY}`));
    expect(o.body.toString('latin1')).toBe(CHUNKED_BODY);
    expect(o.completes).toEqual([false]);
  });

  it('but no body at all for HEAD, 204 and 304 (rule 1 comes first)', () => {
    const bytes = raw(`${OK}Transfer-Encoding: chunked, gzip\r\n\r\n`);
    expect(expectSplitInvariant(bytes, { method: 'HEAD' }).completes).toEqual([true]);
    for (const status of ['204 No Content', '304 Not Modified']) {
      const o = expectSplitInvariant(raw(`HTTP/1.1 ${status}\r\nTransfer-Encoding: gzip\r\n\r\n`));
      expect(o.completes).toEqual([true]);
    }
  });

  const chunkedLast: ReadonlyArray<readonly [string, string]> = [
    ['another coding, then chunked', 'Transfer-Encoding: gzip, chunked\r\n'],
    ['another coding, then chunked on a second line', 'Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n'],
    ['upper case', 'Transfer-Encoding: CHUNKED\r\n'],
    ['a leading empty element', 'Transfer-Encoding: , chunked\r\n'],
    // RFC 9110 §5.6.1.2: empty elements do not count. llhttp reads this one until close.
    ['a trailing empty element', 'Transfer-Encoding: chunked ,\r\n'],
    ['an empty field line after chunked', 'Transfer-Encoding: chunked\r\nTransfer-Encoding:\r\n'],
    ['parameters on an earlier coding', 'Transfer-Encoding: foo ; a = "q\\"x" , chunked\r\n'],
  ];
  for (const [name, fields] of chunkedLast) {
    it(`chunked stays the framing: ${name}`, () => {
      const o = expectSplitInvariant(raw(`${OK}${fields}\r\n${CHUNKED_BODY}`));
      expect(onlyHead(o).chunked).toBe(true);
      expect(o.body.toString()).toBe('hello');
      expect(o.completes).toEqual([true]);
    });
  }

  const refused: ReadonlyArray<readonly [string, string, RegExp]> = [
    // RFC 9112 §6.1: a sender MUST NOT chunk twice; nothing sensible can be made of the content.
    ['chunked twice in one list', 'Transfer-Encoding: chunked, chunked\r\n', /chunked more than once/],
    ['chunked twice over two lines', 'Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n', /more than once/],
    ['chunked twice, not last', 'Transfer-Encoding: chunked, chunked, gzip\r\n', /more than once/],
    ['chunked twice around another coding', 'Transfer-Encoding: chunked, gzip, chunked\r\n', /more than once/],
    // chunked defines no parameters, and readers split on it (llhttp: an unknown coding).
    ['chunked with a parameter', 'Transfer-Encoding: chunked;a=b\r\n', /chunked parameters/],
    ['chunked with a parameter after OWS', 'Transfer-Encoding: gzip, chunked ; q=1\r\n', /chunked parameters/],
    ['two codings without a comma', 'Transfer-Encoding: gzip chunked\r\n', /comma expected/],
    ['a parameter without a name', 'Transfer-Encoding: gzip;, chunked\r\n', /parameter name expected/],
    ['a parameter without "="', 'Transfer-Encoding: gzip;a, chunked\r\n', /"=" after a parameter name/],
    ['a parameter without a value', 'Transfer-Encoding: gzip;a=, chunked\r\n', /parameter value expected/],
    ['a parameter value that is no token', 'Transfer-Encoding: gzip;a=@, chunked\r\n', /parameter value expected/],
    ['an unterminated quoted value', 'Transfer-Encoding: gzip;a="x, chunked\r\n', /end of a quoted string/],
    ['a quoted value ending in an escape', 'Transfer-Encoding: gzip;a="x\\"\r\n', /end of a quoted string/],
    ['a quoted coding name', 'Transfer-Encoding: "chunked"\r\n', /coding name expected/],
    ['a coding name with a delimiter', 'Transfer-Encoding: chunked/1.1\r\n', /comma expected/],
    [
      'Transfer-Encoding with Content-Length (rule 3: "ought to be handled as an error")',
      'Transfer-Encoding: chunked\r\nContent-Length: 5\r\n',
      /both/,
    ],
    ['a non-chunked Transfer-Encoding with Content-Length', 'Content-Length: 5\r\nTransfer-Encoding: gzip\r\n', /both/],
    ['an empty Transfer-Encoding with Content-Length', 'Transfer-Encoding:\r\nContent-Length: 5\r\n', /both/],
  ];
  for (const [name, fields, message] of refused) {
    it(`refused: ${name}`, () => {
      expectError(expectSplitInvariant(raw(`${OK}${fields}\r\n${CHUNKED_BODY}`)), 'protocol', message);
    });
  }
});

describe('chunk extensions follow their grammar (RFC 9112 §7.1.1)', () => {
  const chunked = (sizeLine: string): Buffer =>
    raw(`${OK}Transfer-Encoding: chunked\r\n\r\n${sizeLine}\r\nhello\r\n0\r\n\r\n`);

  const accepted: readonly string[] = [
    '5;a',
    '5;a=b',
    '5;a=b;c;d=e',
    '5 ;a',
    '5\t;\ta\t=\tb',
    '5 ; a = b ; c',
    '5;a=""',
    '5;a="x;y,z=w"',
    '5;a="x\\"y"',
    '5;a="\\\\"',
    '5;a="tab\there"',
    '5;a="\xe9\\\xe9"', // obs-text, plain and escaped
    "5;!#$%&'*+-.^_`|~=!#$%&'*+-.^_`|~",
    '5;a="q" ;b',
    '0005;a',
  ];
  for (const line of accepted) {
    it(`accepts ${JSON.stringify(line)}`, () => {
      const o = expectSplitInvariant(chunked(line));
      expect(o.error, o.message ?? '').toBeNull();
      expect(o.body.toString()).toBe('hello');
      expect(o.completes).toEqual([true]);
    });
  }

  it('also on the last chunk', () => {
    const o = expectSplitInvariant(raw(`${OK}Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0 ; a = "b" \r\n\r\n`));
    expectError(o, 'protocol', /after whitespace/);
    const ok = expectSplitInvariant(raw(`${OK}Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0 ; a = "b"\r\n\r\n`));
    expect(ok.completes).toEqual([true]);
  });

  const refused: ReadonlyArray<readonly [string, RegExp]> = [
    ['5;', /without a name/],
    ['5;=x', /without a name/],
    ['5; ;a', /without a name/],
    ['5;;a', /without a name/],
    ['5;a;', /without a name/],
    ['5 ;', /without a name/],
    ['5; ', /without a name/],
    ['5;@', /without a name/],
    ['5;"a"', /without a name/],
    ['5;a=', /without a value/],
    ['5;a= ', /without a value/],
    ['5;a=;b', /without a value/],
    ['5;a=@', /without a value/],
    ['5;a="x', /quoted chunk extension value/],
    ['5;a="x\\', /quoted chunk extension value/],
    ['5;a="x\x07"', /quoted chunk extension value/],
    ['5;a="x"y', /in a chunk extension/],
    ['5;a@b', /in a chunk extension/],
    ['5;a=b@', /in a chunk extension/],
    ['5;a b', /after whitespace/],
    ['5;a=b c', /after whitespace/],
    ['5;a \r', /after whitespace/],
    ['5;a=b\t', /after whitespace/],
    ['5 ', /whitespace after the size/],
    ['5\t', /whitespace after the size/],
    ['5 5', /whitespace after the size/],
    ['5;a\0', /NUL/],
  ];
  for (const [line, message] of refused) {
    it(`refuses ${JSON.stringify(line)}`, () => {
      expectError(expectSplitInvariant(chunked(line)), 'protocol', message);
    });
  }
});

describe('trailer fields must be valid field lines (RFC 9112 §7.1.2, §5)', () => {
  const withTrailer = (lines: string): Buffer =>
    raw(`${OK}Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n${lines}\r\n`);

  const accepted: readonly string[] = [
    'X-Checksum: abc\r\n',
    'X:1\r\n',
    'X:\r\n',
    'X:   \r\n',
    'X: a\tb c\r\n',
    'X: caf\xe9\r\n',
    "!#$%&'*+-.^_`|~09azAZ: v\r\n",
    'A: 1\r\nB: 2\r\n',
    'A: 1\nB: 2\n',
  ];
  for (const lines of accepted) {
    it(`accepts ${JSON.stringify(lines)}`, () => {
      const o = expectSplitInvariant(withTrailer(lines));
      expect(o.error, o.message ?? '').toBeNull();
      expect(o.body.toString()).toBe('ok');
      expect(o.completes).toEqual([true]);
    });
  }

  const refused: ReadonlyArray<readonly [string, RegExp]> = [
    [': x\r\n', /empty field name/],
    ['X : 1\r\n', /whitespace between a trailer field name and its colon/],
    ['X\t: 1\r\n', /whitespace between/],
    ['X(a): 1\r\n', /invalid character 0x28 in a trailer field name/],
    ['X@: 1\r\n', /trailer field name/],
    ['X": 1\r\n', /trailer field name/],
    ['caf\xe9: 1\r\n', /trailer field name/],
    ['\xe9: 1\r\n', /trailer field name/],
    ['@X: 1\r\n', /trailer field name/],
    ['NoColon\r\n', /without a colon/],
    ['NoColon\n', /without a colon/],
    [' X: 1\r\n', /folding/],
    ['X: 1\r\n\tmore\r\n', /folding/],
    ['X\r: 1\r\n', /without a colon/],
    ['X: a\rb\r\n', /bare CR/],
    ['X: a\x7f\r\n', /invalid character/],
    ['X: a\0\r\n', /NUL/],
    ['A: 1\r\nB C: 2\r\n', /whitespace between/],
  ];
  for (const [lines, message] of refused) {
    it(`refuses ${JSON.stringify(lines)}`, () => {
      expectError(expectSplitInvariant(withTrailer(lines)), 'protocol', message);
    });
  }
});
