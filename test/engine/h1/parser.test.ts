import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../../src/errors.js';
import {
  ResponseParser,
  type ParserHandler,
  type ParserOptions,
  type ResponseHead,
} from '../../../src/engine/h1/parser.js';
import {
  expectError,
  expectSplitInvariant,
  onlyHead,
  type Outcome,
  raw,
  recorder,
  run,
  type RunOptions,
} from './parser-harness.js';

const OK_CL = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello';

// ------------------------------------------------------------------------------------------------

describe('status line', () => {
  it('reads status, reason, version and header fields', () => {
    const o = run(
      raw('HTTP/1.1 404 Not Found\r\nServer: nginx\r\nX-Empty:\r\nX-Pad:  a b \t\r\nContent-Length: 3\r\n\r\nabc'),
    );
    const head = onlyHead(o);
    expect(head.status).toBe(404);
    expect(head.reason).toBe('Not Found');
    expect(head.version).toBe(1);
    expect(head.headers).toEqual(['server', 'nginx', 'x-empty', '', 'x-pad', 'a b', 'content-length', '3']);
    expect(head.contentLength).toBe(3);
    expect(head.chunked).toBe(false);
    expect(o.body.toString()).toBe('abc');
    expect(o.completes).toEqual([true]);
  });

  it('lower-cases header names and keeps values (latin1) as sent', () => {
    const head = onlyHead(run(raw('HTTP/1.1 200 OK\r\nX-MiXeD-Case: VaLue \xe9\r\nContent-Length: 0\r\n\r\n')));
    expect(head.headers).toEqual(['x-mixed-case', 'VaLue \xe9', 'content-length', '0']);
  });

  it('tolerates a missing reason phrase', () => {
    expect(onlyHead(run(raw('HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n'))).reason).toBe('');
    expect(onlyHead(run(raw('HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n'))).reason).toBe('');
  });

  it('keeps the reason phrase raw, control-free bytes and obs-text included', () => {
    expect(onlyHead(run(raw('HTTP/1.1 200 All\tfine \xff \r\nContent-Length: 0\r\n\r\n'))).reason).toBe(
      'All\tfine \xff ',
    );
  });

  it('reads HTTP/1.0 as version 0 and a higher minor version as 1.1 (RFC 9112 §2.3)', () => {
    expect(onlyHead(run(raw('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n'))).version).toBe(0);
    expect(onlyHead(run(raw('HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n'))).version).toBe(1);
  });

  it('accepts any 3-digit status from 100 to 999', () => {
    const head = onlyHead(run(raw('HTTP/1.1 999 Weird\r\nContent-Length: 0\r\n\r\n')));
    expect(head.status).toBe(999);
  });

  it('refuses a response that does not start with HTTP/1.', () => {
    expectError(run(raw('SSH-2.0-OpenSSH_9.6\r\n')), 'protocol', /not an HTTP\/1\.x response/);
    expectError(run(raw('HTTP/2 200\r\n\r\n')), 'protocol', /not an HTTP\/1\.x response/);
    expectError(run(raw('http/1.1 200 OK\r\n\r\n')), 'protocol', /not an HTTP\/1\.x response/);
  });

  it('recognises garbage from its first bytes, without waiting for a line end', () => {
    const { parser } = recorder();
    expect(() => parser.execute(raw('<html'))).toThrow(ParseError);
    const second = recorder().parser;
    expect(second.execute(raw('HTTP/'))).toBe(5); // a good prefix waits for more
    expect(() => second.execute(raw('2 200 OK'))).toThrow(/not an HTTP\/1\.x response/);
  });

  it('refuses malformed status lines', () => {
    for (const line of [
      'HTTP/1.1 20 OK',
      'HTTP/1.1 2000 OK',
      'HTTP/1.1  200 OK',
      'HTTP/1.1 2x0 OK',
      'HTTP/1.x 200 OK',
      'HTTP/1.1\t200 OK',
      'HTTP/1.1 200\tOK',
      'HTTP/1.1 099 Low',
    ]) {
      expectError(run(raw(`${line}\r\nContent-Length: 0\r\n\r\n`)), 'protocol');
    }
  });

  it('refuses 101 Switching Protocols: we never ask to upgrade', () => {
    expectError(run(raw('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n')), 'protocol', /101/);
  });
});

describe('interim (1xx) responses', () => {
  it('skips 100 and 103 heads and parses the final one from the same chunk', () => {
    const o = run(
      raw(
        'HTTP/1.1 100 Continue\r\n\r\n' +
          'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n' +
          'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi',
      ),
    );
    const head = onlyHead(o);
    expect(head.status).toBe(200);
    expect(head.headers).toEqual(['content-length', '2']);
    expect(o.body.toString()).toBe('hi');
    expect(o.completes).toEqual([true]);
  });

  it('ignores framing fields in a 1xx head', () => {
    const o = run(raw(`HTTP/1.1 102 Processing\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n${OK_CL}`));
    expect(onlyHead(o).status).toBe(200);
    expect(o.body.toString()).toBe('hello');
  });

  it('refuses an endless stream of interim responses', () => {
    const o = run(raw('HTTP/1.1 100 Continue\r\n\r\n'.repeat(101) + OK_CL));
    expectError(o, 'protocol', /too many interim responses/);
    expect(run(raw('HTTP/1.1 100 Continue\r\n\r\n'.repeat(100) + OK_CL)).error).toBeNull();
  });

  it('counts each interim head separately against maxHeaderBytes', () => {
    const interim = 'HTTP/1.1 103 Early Hints\r\nLink: </style.css>\r\n\r\n'; // 49 bytes
    const parser = { maxHeaderBytes: 60 };
    const ok = run(raw(`${interim.repeat(5)}HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n`), [], { parser });
    expect(onlyHead(ok).status).toBe(200);
    const big = 'HTTP/1.1 103 Early Hints\r\nLink: </a-much-longer-name.css>\r\n\r\n'; // 65 bytes
    expectError(run(raw(big + OK_CL), [], { parser }), 'too_large');
  });
});

describe('header fields', () => {
  it('refuses whitespace between the field name and the colon (RFC 9112 §5.1)', () => {
    expectError(
      run(raw('HTTP/1.1 200 OK\r\nTransfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\nhello')),
      'protocol',
      /whitespace between header field name and colon/,
    );
  });

  it('refuses obs-fold continuation lines (RFC 9112 §5.2)', () => {
    expectError(
      run(raw('HTTP/1.1 200 OK\r\nX-A: one\r\n two\r\nContent-Length: 0\r\n\r\n')),
      'protocol',
      /obsolete line folding/,
    );
    expectError(run(raw('HTTP/1.1 200 OK\r\nX-A: one\r\n\ttwo\r\n\r\n')), 'protocol');
  });

  it('refuses whitespace between the status line and the first field (RFC 9112 §2.2)', () => {
    expectError(
      run(raw('HTTP/1.1 200 OK\r\n Content-Length: 0\r\n\r\n')),
      'protocol',
      /whitespace before the first header field/,
    );
  });

  it('refuses a field name that is not a token', () => {
    for (const name of ['X(a)', 'X@a', 'X"a', 'X/a', 'Xé']) {
      expectError(run(raw(`HTTP/1.1 200 OK\r\n${name}: 1\r\nContent-Length: 0\r\n\r\n`)), 'protocol');
    }
  });

  it('refuses a line without a colon and an empty field name', () => {
    expectError(run(raw('HTTP/1.1 200 OK\r\nNoColonHere\r\n\r\n')), 'protocol', /without a colon/);
    expectError(run(raw('HTTP/1.1 200 OK\r\n: value\r\n\r\n')), 'protocol', /empty header field name/);
  });

  it('refuses a bare CR anywhere in the head', () => {
    for (const text of [
      'HTTP/1.1 200 OK\rX: 1\r\n\r\n',
      'HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n',
      'HTTP/1.1 200 OK\r\nX\r: 1\r\n\r\n',
      'HTTP/1.1 200 OK\r\nX: 1\r\n\r\r\n',
      'HTTP/1.1 200 OK\r\nX: 1\r\r\n\r\n',
    ]) {
      expectError(run(raw(text)), 'protocol');
    }
  });

  it('refuses NUL anywhere in the head', () => {
    for (const text of [
      'HTTP/1.1 200 OK\r\nX: a\0b\r\nContent-Length: 0\r\n\r\n',
      'HTTP/1.1 200 OK\r\nX\0: 1\r\nContent-Length: 0\r\n\r\n',
      'HTTP/1.1 200 O\0K\r\nContent-Length: 0\r\n\r\n',
      'HTTP/1.1 200 OK\r\n\0X: 1\r\nContent-Length: 0\r\n\r\n',
    ]) {
      expectError(run(raw(text)), 'protocol', /NUL/);
    }
  });

  it('refuses other control characters in field values, but allows HTAB', () => {
    expectError(run(raw('HTTP/1.1 200 OK\r\nX: a\x07b\r\nContent-Length: 0\r\n\r\n')), 'protocol');
    expectError(run(raw('HTTP/1.1 200 OK\r\nX: a\x7fb\r\nContent-Length: 0\r\n\r\n')), 'protocol');
    const head = onlyHead(run(raw('HTTP/1.1 200 OK\r\nX: a\tb\r\nContent-Length: 0\r\n\r\n')));
    expect(head.headers.slice(0, 2)).toEqual(['x', 'a\tb']);
  });

  it('accepts bare LF line endings (RFC 9112 §2.2 MAY)', () => {
    const o = run(raw('HTTP/1.1 200 OK\nServer: x\nContent-Length: 2\n\nok'));
    expect(onlyHead(o).headers).toEqual(['server', 'x', 'content-length', '2']);
    expect(o.body.toString()).toBe('ok');
  });

  it('keeps repeated fields in order as separate entries', () => {
    const head = onlyHead(
      run(raw('HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 0\r\n\r\n')),
    );
    expect(head.headers).toEqual(['set-cookie', 'a=1', 'set-cookie', 'b=2', 'content-length', '0']);
  });

  it('gives correct strings when many different names and values come and go', () => {
    // The decoder caches strings by hash; different bytes must never come back as an old string.
    for (let i = 0; i < 3000; i++) {
      const name = `X-H${i % 97}${'a'.repeat(i % 5)}`;
      const value = `v${(i * 7919) % 10007}${' '.repeat(i % 3)}z`;
      const head = onlyHead(run(raw(`HTTP/1.1 200 R${i % 13}\r\n${name}: ${value}\r\nContent-Length: 0\r\n\r\n`)));
      expect(head.headers[0]).toBe(name.toLowerCase());
      expect(head.headers[1]).toBe(value);
      expect(head.reason).toBe(`R${i % 13}`);
    }
  });
});

describe('head size limit', () => {
  const head = `HTTP/1.1 200 OK\r\nX-Fill: ${'a'.repeat(100)}\r\n\r\n`;

  it('refuses a head over maxHeaderBytes with too_large, naming the limit', () => {
    const o = run(raw(head), [], { parser: { maxHeaderBytes: head.length - 1 } });
    expectError(o, 'too_large', new RegExp(`over ${head.length - 1} bytes`));
  });

  it('accepts a head of exactly maxHeaderBytes', () => {
    const o = run(raw(head), [], { parser: { maxHeaderBytes: head.length } });
    expect(onlyHead(o).status).toBe(200);
  });

  it('defaults to 65536 bytes', () => {
    const big = (fill: number): Buffer =>
      raw(`HTTP/1.1 200 OK\r\nX-Big: ${'b'.repeat(fill)}\r\nContent-Length: 0\r\n\r\n`);
    const fixed = big(0).length;
    expect(run(big(65536 - fixed)).error).toBeNull();
    expectError(run(big(65537 - fixed)), 'too_large', /over 65536 bytes/);
  });

  it('stops an endless header line without waiting for its end', () => {
    const { parser } = recorder({ maxHeaderBytes: 1000 });
    parser.execute(raw('HTTP/1.1 200 OK\r\nX: '));
    const filler = raw('a'.repeat(100));
    let thrown: unknown = null;
    for (let i = 0; i < 20 && thrown === null; i++) {
      try {
        parser.execute(filler);
      } catch (error) {
        thrown = error;
      }
    }
    expect(thrown).toBeInstanceOf(ParseError);
    expect((thrown as ParseError).code).toBe('too_large');
  });

  it('reports a malformed byte before the limit the same way however the bytes are split', () => {
    const text = raw(`HTTP/1.1 200 OK\r\nX: a\0${'b'.repeat(50)}\r\n\r\n`);
    const o = expectSplitInvariant(text, { parser: { maxHeaderBytes: 40 } });
    expectError(o, 'protocol');
    // ...and the limit when it comes first.
    expectError(expectSplitInvariant(text, { parser: { maxHeaderBytes: 20 } }), 'too_large');
  });
});

describe('framing (RFC 9112 §6.3)', () => {
  it('refuses Transfer-Encoding together with Content-Length', () => {
    expectError(
      run(raw('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n')),
      'protocol',
      /both Transfer-Encoding and Content-Length/,
    );
  });

  it('refuses differing Content-Length values, repeated or in a list', () => {
    expectError(
      run(raw('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!')),
      'protocol',
      /conflicting Content-Length values \(5 and 6\)/,
    );
    expectError(run(raw('HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello!')), 'protocol');
  });

  it('accepts identical Content-Length duplicates', () => {
    const o = run(raw('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5, 5\r\n\r\nhello'));
    expect(onlyHead(o).contentLength).toBe(5);
    expect(o.body.toString()).toBe('hello');
  });

  it('refuses a Content-Length that is not 1*DIGIT', () => {
    for (const value of ['', 'abc', '-1', '+5', '5 5', '0x10', '5,', ',5', '1e3', '5;q=1']) {
      expectError(run(raw(`HTTP/1.1 200 OK\r\nContent-Length: ${value}\r\n\r\nhello`)), 'protocol');
    }
  });

  it('refuses a Content-Length too large to count exactly', () => {
    expectError(run(raw('HTTP/1.1 200 OK\r\nContent-Length: 9007199254740992\r\n\r\n')), 'protocol');
    const head = onlyHead(
      run(raw('HTTP/1.1 200 OK\r\nContent-Length: 9007199254740991\r\n\r\n'), [], { close: false }),
    );
    expect(head.contentLength).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('reads a body whose final transfer coding is not chunked until close, not reusable', () => {
    const o = run(raw('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzzzz'));
    const head = onlyHead(o);
    expect(head.chunked).toBe(false);
    expect(head.contentLength).toBe(-1);
    expect(head.keepAlive).toBe(false);
    expect(o.body.toString()).toBe('zzzz');
    expect(o.completes).toEqual([false]);
  });

  it('reads chunked as the final coding, across several Transfer-Encoding fields', () => {
    const o = run(
      raw('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: Chunked\r\n\r\n2\r\nzz\r\n0\r\n\r\n'),
    );
    expect(onlyHead(o).chunked).toBe(true);
    expect(o.body.toString()).toBe('zz');
    expect(o.completes).toEqual([true]);
  });

  it('refuses chunked applied twice (RFC 9112 §6.1: a sender MUST NOT)', () => {
    expectError(run(raw('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n')), 'protocol');
    expectError(
      run(raw('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n')),
      'protocol',
    );
  });

  it('reads chunked-not-last until close (RFC 9112 §6.3 rule 4), see parser.rfc9112.test.ts', () => {
    const o = run(raw('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nzz'));
    expect(onlyHead(o).chunked).toBe(false);
    expect(o.body.toString()).toBe('zz');
    expect(o.completes).toEqual([false]);
  });

  it('refuses a malformed Transfer-Encoding', () => {
    expectError(run(raw('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip chunked\r\n\r\n')), 'protocol');
  });

  it('accepts transfer-coding parameters, quoted commas included', () => {
    const o = run(raw('HTTP/1.1 200 OK\r\nTransfer-Encoding: foo;a="x,y" , chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n'));
    expect(onlyHead(o).chunked).toBe(true);
    expect(o.body.toString()).toBe('z');
  });

  it('reads a body without framing until the connection closes', () => {
    const { parser, heads, bodies, completes } = recorder();
    parser.start('GET');
    expect(parser.execute(raw('HTTP/1.1 200 OK\r\n\r\nsome'))).toBe(23);
    expect(parser.execute(raw(' more'))).toBe(5);
    expect(heads[0]?.contentLength).toBe(-1);
    expect(heads[0]?.keepAlive).toBe(false);
    expect(completes).toEqual([]);
    parser.finish();
    expect(bodies.join('')).toBe('some more');
    expect(completes).toEqual([false]);
    expect(parser.done).toBe(true);
  });

  it('completes a Content-Length: 0 response at the end of its head', () => {
    const { parser, completes } = recorder();
    expect(parser.execute(raw('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nNEXT'))).toBe(38);
    expect(completes).toEqual([true]);
  });
});

describe('responses without a body', () => {
  const withBodyHeaders = (status: string): Buffer => raw(`HTTP/1.1 ${status}\r\nContent-Length: 10\r\n\r\n0123456789`);

  it('HEAD: no body whatever Content-Length says', () => {
    const o = run(withBodyHeaders('200 OK'), [], { method: 'HEAD' });
    expect(onlyHead(o).contentLength).toBe(0);
    expect(o.body.length).toBe(0);
    expect(o.completes).toEqual([true]);
    expect(o.consumed).toBe(withBodyHeaders('200 OK').length - 10);
  });

  it('HEAD: no body whatever Transfer-Encoding says', () => {
    const bytes = raw('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
    const o = run(bytes, [], { method: 'HEAD' });
    expect(onlyHead(o).chunked).toBe(false);
    expect(o.completes).toEqual([true]);
    expect(o.consumed).toBe(bytes.length);
  });

  it('204 and 304: no body', () => {
    for (const status of ['204 No Content', '304 Not Modified']) {
      const o = run(withBodyHeaders(status));
      expect(o.body.length).toBe(0);
      expect(o.completes).toEqual([true]);
      expect(o.consumed).toBe(withBodyHeaders(status).length - 10);
    }
  });

  it('a 200 to GET with the same bytes has a body', () => {
    expect(run(withBodyHeaders('200 OK')).body.toString()).toBe('0123456789');
  });

  it('HEAD on a reused parser, then GET', () => {
    const { parser, completes, bodies } = recorder();
    parser.start('HEAD');
    expect(parser.execute(raw('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n'))).toBe(38);
    parser.start('GET');
    expect(parser.execute(raw('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc'))).toBe(41);
    expect(completes).toEqual([true, true]);
    expect(bodies.join('')).toBe('abc');
  });
});

describe('keep-alive (RFC 9112 §9.3)', () => {
  const keepAlive = (version: string, fields: string, body = 'Content-Length: 0\r\n'): boolean => {
    const o = run(raw(`HTTP/${version} 200 OK\r\n${fields}${body}\r\n`));
    const head = onlyHead(o);
    expect(o.completes).toEqual([head.keepAlive]);
    return head.keepAlive;
  };

  it('1.1 is persistent unless Connection: close', () => {
    expect(keepAlive('1.1', '')).toBe(true);
    expect(keepAlive('1.1', 'Connection: close\r\n')).toBe(false);
    expect(keepAlive('1.1', 'Connection: Upgrade, CLOSE\r\n')).toBe(false);
    expect(keepAlive('1.1', 'Connection: keep-alive\r\n')).toBe(true);
    expect(keepAlive('1.1', 'Connection: closed\r\n')).toBe(true);
    expect(keepAlive('1.1', 'Connection: ,\t close ,\r\n')).toBe(false);
  });

  it('takes an option only as a whole list element (RFC 9110 §7.6.1), as llhttp does', () => {
    expect(keepAlive('1.1', 'Connection: foo close\r\n')).toBe(true);
    expect(keepAlive('1.0', 'Connection: x keep-alive\r\n')).toBe(false);
    expect(keepAlive('1.0', 'Connection: close: keep-alive\r\n')).toBe(false);
  });

  it('1.0 is persistent only with Connection: keep-alive', () => {
    expect(keepAlive('1.0', '')).toBe(false);
    expect(keepAlive('1.0', 'Connection: Keep-Alive\r\n')).toBe(true);
    expect(keepAlive('1.0', 'Connection: keep-alive\r\nConnection: close\r\n')).toBe(false);
  });

  it('a close-delimited body is never persistent', () => {
    expect(keepAlive('1.0', 'Connection: keep-alive\r\n', '')).toBe(false);
    expect(keepAlive('1.1', '', '')).toBe(false);
  });

  it('an HTTP/1.0 response with Transfer-Encoding is read, then not reused (RFC 9112 §6.1)', () => {
    const o = run(
      raw('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n'),
    );
    expect(onlyHead(o).keepAlive).toBe(false);
    expect(o.body.toString()).toBe('x');
    expect(o.completes).toEqual([false]);
  });
});

describe('chunked bodies (RFC 9112 §7.1)', () => {
  const chunked = (chunks: string): Buffer => raw(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${chunks}`);

  it('removes the framing', () => {
    const o = run(chunked('5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n'));
    const head = onlyHead(o);
    expect(head.chunked).toBe(true);
    expect(head.contentLength).toBe(-1);
    expect(o.body.toString()).toBe('hello world');
    expect(o.completes).toEqual([true]);
  });

  it('reads hex sizes in either case, with leading zeros', () => {
    const data = 'x'.repeat(0x1a);
    expect(run(chunked(`1A\r\n${data}\r\n001a\r\n${data}\r\n0000\r\n\r\n`)).body.length).toBe(0x34);
  });

  it('skips chunk extensions, and whitespace before them', () => {
    const o = run(chunked('5;name=value;q="a;b"\r\nhello\r\n3 ; ext\r\nabc\r\n0;last\r\n\r\n'));
    expect(o.body.toString()).toBe('helloabc');
  });

  it('skips trailer fields', () => {
    const o = run(chunked('2\r\nok\r\n0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n'));
    expect(o.body.toString()).toBe('ok');
    expect(o.completes).toEqual([true]);
    expect(o.consumed).toBe(chunked('2\r\nok\r\n0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n').length);
  });

  it('accepts bare LF in the chunk framing', () => {
    expect(run(chunked('2\nok\n0\n\n')).body.toString()).toBe('ok');
  });

  it('refuses an empty or non-hex chunk size', () => {
    expectError(run(chunked('\r\nhello\r\n0\r\n\r\n')), 'protocol', /chunk size/);
    expectError(run(chunked('g\r\nhello\r\n0\r\n\r\n')), 'protocol', /chunk size/);
    expectError(run(chunked(';ext\r\n0\r\n\r\n')), 'protocol', /chunk size/);
    expectError(run(chunked('-1\r\n0\r\n\r\n')), 'protocol', /chunk size/);
    expectError(run(chunked('5 5\r\nhello\r\n0\r\n\r\n')), 'protocol', /chunk size/);
  });

  it('refuses more than 15 hex digits and sizes past 2^53', () => {
    expectError(run(chunked('0000000000000001\r\nx\r\n0\r\n\r\n')), 'protocol', /more than 15 hex digits/);
    expectError(run(chunked('fffffffffffffff\r\n')), 'protocol', /chunk size too large/);
  });

  it('refuses chunk data not followed by CRLF', () => {
    expectError(run(chunked('5\r\nhelloX\r\n0\r\n\r\n')), 'protocol', /not followed by CRLF/);
    expectError(run(chunked('5\r\nhello\rX0\r\n\r\n')), 'protocol', /not followed by CRLF/);
  });

  it('refuses bare CR and control bytes in chunk lines and trailers', () => {
    expectError(run(chunked('5\rhello\r\n0\r\n\r\n')), 'protocol', /bare CR/);
    expectError(run(chunked('5;a\0b\r\nhello\r\n0\r\n\r\n')), 'protocol');
    expectError(run(chunked('0\r\nX: a\rb\r\n\r\n')), 'protocol', /bare CR/);
    expectError(run(chunked('0\r\nX: a\0\r\n\r\n')), 'protocol');
    expectError(run(chunked('0\r\nX: a\r\n folded\r\n\r\n')), 'protocol', /folding/);
  });

  it('bounds the trailer section by maxTrailerBytes', () => {
    const trailer = `X-T: ${'y'.repeat(50)}\r\n`;
    const bytes = chunked(`0\r\n${trailer.repeat(10)}\r\n`);
    expectError(run(bytes, [], { parser: { maxTrailerBytes: 200 } }), 'too_large', /trailer section over 200 bytes/);
    expect(run(bytes, [], { parser: { maxTrailerBytes: 1000 } }).completes).toEqual([true]);
  });

  it('bounds a chunk-size line (extensions) by maxTrailerBytes', () => {
    const bytes = chunked(`1;${'e'.repeat(300)}\r\nx\r\n0\r\n\r\n`);
    expectError(run(bytes, [], { parser: { maxTrailerBytes: 100 } }), 'too_large', /chunk-size line over 100 bytes/);
    expect(run(bytes, [], { parser: { maxTrailerBytes: 400 } }).body.toString()).toBe('x');
  });

  it('hands out body bytes as views of the fed chunk, without copying', () => {
    const seen: Buffer[] = [];
    const parser = new ResponseParser({
      onHead: () => {},
      onBody: (chunk) => seen.push(chunk),
      onComplete: () => {},
    });
    const bytes = chunked('5\r\nhello\r\n0\r\n\r\n');
    parser.execute(bytes);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBe(bytes);
  });
});

describe('execute and completion', () => {
  it('returns fewer bytes than fed when the response ends mid-chunk', () => {
    const { parser, completes } = recorder();
    const bytes = raw(`${OK_CL}HTTP/1.1 200 OK\r\n`);
    expect(parser.execute(bytes)).toBe(OK_CL.length);
    expect(completes).toEqual([true]);
    expect(parser.done).toBe(true);
    expect(parser.execute(raw('more'))).toBe(0);
  });

  it('parses the next response after start(), e.g. the rest of a pipelined chunk', () => {
    const { parser, heads, bodies } = recorder();
    const second = 'HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nabc';
    const bytes = raw(OK_CL + second);
    const n = parser.execute(bytes);
    parser.start('GET');
    expect(parser.execute(bytes.subarray(n))).toBe(second.length);
    expect(heads.map((h) => h.status)).toEqual([200, 201]);
    expect(bodies.join('')).toBe('helloabc');
  });

  it('does not parse past the end even when onComplete starts the next response', () => {
    const heads: number[] = [];
    const parser: ResponseParser = new ResponseParser({
      onHead: (h) => heads.push(h.status),
      onBody: () => {},
      onComplete: () => parser.start('GET'),
    });
    expect(parser.execute(raw(OK_CL + OK_CL))).toBe(OK_CL.length);
    expect(heads).toEqual([200]);
  });

  it('tracks bytesReceived, started and done', () => {
    const { parser } = recorder();
    parser.start('GET');
    expect(parser.started).toBe(false);
    expect(parser.bytesReceived).toBe(0);
    parser.execute(raw('HTTP/1.1 200'));
    expect(parser.started).toBe(true);
    expect(parser.bytesReceived).toBe(12);
    parser.execute(raw(' OK\r\nContent-Length: 5\r\n\r\nhel'));
    expect(parser.done).toBe(false);
    parser.execute(raw('lo'));
    expect(parser.done).toBe(true);
    expect(parser.bytesReceived).toBe(OK_CL.length);
    parser.start('GET');
    expect(parser.done).toBe(false);
    expect(parser.started).toBe(false);
    expect(parser.bytesReceived).toBe(0);
  });

  it('counts interim heads in bytesReceived', () => {
    const { parser } = recorder();
    const bytes = raw(`HTTP/1.1 100 Continue\r\n\r\n${OK_CL}`);
    parser.execute(bytes);
    expect(parser.bytesReceived).toBe(bytes.length);
  });

  it('throws the same error again when fed after one, until start()', () => {
    const { parser } = recorder();
    let first: unknown;
    try {
      parser.execute(raw('garbage'));
    } catch (error) {
      first = error;
    }
    expect(first).toBeInstanceOf(ParseError);
    expect(() => parser.execute(raw('HTTP/1.1 200 OK\r\n'))).toThrow(first as Error);
    expect(() => parser.finish()).not.toThrow();
    parser.start('GET');
    expect(parser.execute(raw(OK_CL))).toBe(OK_CL.length);
  });

  it('is done only from onComplete on, also for a response without a body', () => {
    const seen: string[] = [];
    const parser: ResponseParser = new ResponseParser({
      onHead: () => seen.push(`head done=${parser.done}`),
      onBody: () => {},
      onComplete: () => seen.push(`complete done=${parser.done}`),
    });
    parser.start('HEAD');
    parser.execute(raw('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n'));
    expect(seen).toEqual(['head done=false', 'complete done=true']);
  });

  it('returns 0 for an empty chunk and changes nothing', () => {
    const { parser } = recorder();
    expect(parser.execute(Buffer.alloc(0))).toBe(0);
    expect(parser.started).toBe(false);
  });

  it('rejects nonsensical limits', () => {
    const handler: ParserHandler = { onHead: () => {}, onBody: () => {}, onComplete: () => {} };
    expect(() => new ResponseParser(handler, { maxHeaderBytes: 0 })).toThrow(RangeError);
    expect(() => new ResponseParser(handler, { maxTrailerBytes: 1.5 })).toThrow(RangeError);
  });
});

describe('finish (the peer closed)', () => {
  const closeAfter = (text: string, method = 'GET'): Outcome => run(raw(text), [], { method });

  it('before any response byte', () => {
    expectError(closeAfter(''), 'truncated', /connection closed before any response byte/);
  });

  it('in the response head, naming the byte count', () => {
    expectError(closeAfter('HTTP/1.1 200 OK\r\nServer: x'), 'truncated', /in the response head \(26 bytes\)/);
    expectError(closeAfter('HTTP/1.1 200 OK\r\n'), 'truncated', /in the response head \(17 bytes\)/);
  });

  it('after an interim response', () => {
    expectError(closeAfter('HTTP/1.1 100 Continue\r\n\r\n'), 'truncated', /after 1 interim/);
  });

  it('in a length-delimited body', () => {
    expectError(
      closeAfter('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello'),
      'truncated',
      /connection closed after 5 of 10 body bytes/,
    );
  });

  it('in the middle of a chunk', () => {
    expectError(
      closeAfter(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000\r\n${'x'.repeat(12)}`),
      'truncated',
      /in the middle of a chunk \(12 of 4096 bytes\)/,
    );
  });

  it('between chunks, in a chunk-size line, before a chunk CRLF, in trailers', () => {
    const base = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';
    expectError(closeAfter(`${base}2\r\nok\r\n`), 'truncated', /before the next chunk/);
    expectError(closeAfter(`${base}2\r\nok\r\n1;ext`), 'truncated', /chunk-size line/);
    expectError(closeAfter(`${base}2\r\nok`), 'truncated', /CRLF/);
    expectError(closeAfter(`${base}2\r\nok\r\n0\r\nX: 1\r\n`), 'truncated', /trailer section/);
  });

  it('reports a malformed unfinished head line as protocol, not truncated', () => {
    expectError(closeAfter('HTTP/1.1 200 OK\r\nX: a\0'), 'protocol');
  });

  it('completes a close-delimited body and is a no-op after completion', () => {
    const { parser, completes } = recorder();
    parser.execute(raw(OK_CL));
    parser.finish();
    expect(completes).toEqual([true]);
    const o = closeAfter('HTTP/1.1 200 OK\r\n\r\n');
    expect(o.error).toBeNull();
    expect(o.completes).toEqual([false]);
  });
});

// ------------------------------------------------------------------------------------------------

const REPRESENTATIVE: ReadonlyArray<readonly [string, string, RunOptions?]> = [
  [
    'content-length',
    'HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world',
  ],
  [
    'chunked with extensions and trailers',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;a=b\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-T: 1\r\n\r\n',
  ],
  ['close-delimited', 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end'],
  [
    'interim then final',
    'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
  ],
  ['bare LF', 'HTTP/1.1 200 OK\nContent-Length: 3\n\nabc'],
  ['no body: 204 with trailing bytes', 'HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\nabc'],
  ['HEAD', 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n', { method: 'HEAD' }],
  ['bytes after completion', `${OK_CL}HTTP/1.1 200 OK\r\n`],
  ['truncated body', 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello'],
  ['truncated chunk', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nA\r\nhello'],
  ['garbage', 'XTTP/1.1 200 OK\r\n\r\n'],
  ['smuggling: TE and CL', 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
  ['bare CR', 'HTTP/1.1 200 OK\r\nX: a\rb\r\nContent-Length: 0\r\n\r\n'],
  ['CR at end of head, then close', 'HTTP/1.1 200 OK\r\n\r'],
  ['NUL', 'HTTP/1.1 200 OK\r\nX: \0\r\nContent-Length: 0\r\n\r\n'],
  ['obs-fold', 'HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n'],
  ['huge chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n'],
  ['too large head', `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(60)}\r\n\r\n`, { parser: { maxHeaderBytes: 40 } }],
  [
    'too large trailers',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: aaaaaaaaaaaaaaaaaaaa\r\n\r\n',
    { parser: { maxTrailerBytes: 10 } },
  ],
];

describe('every split point gives the same outcome', () => {
  for (const [name, text, opts] of REPRESENTATIVE) {
    it(name, () => {
      expectSplitInvariant(raw(text), opts);
    });
  }

  it('outcomes are what they should be (so the invariance above is not vacuous)', () => {
    const outcome = (name: string): Outcome => {
      const entry = REPRESENTATIVE.find(([n]) => n === name)!;
      return run(raw(entry[1]), [], entry[2]);
    };
    expect(outcome('content-length').body.toString()).toBe('hello world');
    expect(outcome('chunked with extensions and trailers').body.toString()).toBe('Wikipedia in\r\n\r\nchunks.');
    expect(outcome('close-delimited').body.toString()).toBe('until the end');
    expect(outcome('interim then final').heads.map((h) => h.status)).toEqual([200]);
    expect(outcome('bytes after completion').consumed).toBe(OK_CL.length);
    expect(outcome('truncated chunk').error).toBe('truncated');
    expect(outcome('garbage').error).toBe('protocol');
    expect(outcome('CR at end of head, then close').error).toBe('truncated');
    expect(outcome('huge chunk size').error).toBe('protocol');
    expect(outcome('too large head').error).toBe('too_large');
    expect(outcome('too large trailers').error).toBe('too_large');
  });
});

// ------------------------------------------------------------------------------------------------

interface CorpusEntry {
  file: string;
  why: string;
  method?: string;
  close?: boolean;
  maxHeaderBytes?: number;
  maxTrailerBytes?: number;
  expect: {
    error?: ParseError['code'];
    message?: string;
    status?: number;
    body?: string;
    keepAlive?: boolean;
    chunked?: boolean;
    consumed?: number;
  };
}

describe('regression corpus (test/fixtures/responses)', () => {
  const dir = new URL('../../fixtures/responses/', import.meta.url);
  const index = JSON.parse(readFileSync(new URL('index.json', dir), 'utf8')) as CorpusEntry[];

  it('has 10 to 30 entries', () => {
    expect(index.length).toBeGreaterThanOrEqual(10);
    expect(index.length).toBeLessThanOrEqual(30);
  });

  for (const entry of index) {
    it(`${entry.file}: ${entry.why}`, () => {
      const bytes = readFileSync(new URL(entry.file, dir));
      const parser: ParserOptions = {};
      if (entry.maxHeaderBytes !== undefined) parser.maxHeaderBytes = entry.maxHeaderBytes;
      if (entry.maxTrailerBytes !== undefined) parser.maxTrailerBytes = entry.maxTrailerBytes;
      const opts: RunOptions = { parser, close: entry.close ?? true };
      if (entry.method !== undefined) opts.method = entry.method;
      const o = expectSplitInvariant(bytes, opts);
      const want = entry.expect;
      expect(o.error, o.message ?? 'no error').toBe(want.error ?? null);
      if (want.message !== undefined) expect(o.message).toContain(want.message);
      if (want.status !== undefined) expect(o.heads[0]?.status).toBe(want.status);
      if (want.body !== undefined) expect(o.body.toString('latin1')).toBe(want.body);
      if (want.keepAlive !== undefined) {
        expect(o.heads[0]?.keepAlive).toBe(want.keepAlive);
        expect(o.completes).toEqual([want.keepAlive]);
      }
      if (want.chunked !== undefined) expect(o.heads[0]?.chunked).toBe(want.chunked);
      if (want.consumed !== undefined) expect(o.consumed).toBe(want.consumed);
    });
  }
});

describe('execute from a position (pipelined responses in one read)', () => {
  it('parses the next response in place from where the previous one ended; positions are the chunk’s', () => {
    const first = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello';
    const second = 'HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n';
    const chunk = Buffer.from(`${first}${second}HTTP/1.1 2`, 'latin1');
    const views: Array<[number, number]> = [];
    const heads: ResponseHead[] = [];
    const bodies: string[] = [];
    const completes: boolean[] = [];
    const viewing = new ResponseParser({
      onHead: (h) => heads.push(h),
      onBody: (c, s, e) => {
        expect(c).toBe(chunk);
        views.push([s, e]);
        bodies.push(c.toString('latin1', s, e));
      },
      onComplete: (k) => completes.push(k),
    });
    const end1 = viewing.execute(chunk);
    expect(end1).toBe(first.length);
    viewing.start('GET');
    const end2 = viewing.execute(chunk, end1);
    expect(end2).toBe(first.length + second.length);
    viewing.start('GET');
    // The rest is the start of a third head: all of it is taken, none complete.
    expect(viewing.execute(chunk, end2)).toBe(chunk.length);
    expect(heads.map((h) => h.status)).toEqual([200, 404]);
    expect(bodies).toEqual(['hello', 'abc']);
    expect(views[0]).toEqual([first.length - 5, first.length]);
    expect(completes).toEqual([true, true]);
  });

  it('returns `from` when fed after the response completed without start()', () => {
    const { parser } = recorder();
    const chunk = Buffer.from(`${OK_CL}${OK_CL}`, 'latin1');
    const end = parser.execute(chunk);
    expect(parser.execute(chunk, end)).toBe(end);
  });
});
