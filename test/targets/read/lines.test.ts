import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LineSplitter, MAX_LINE_BYTES } from '../../../src/targets/read/lines.js';

type Event = { line: string; n: number } | { overlong: number; head: string };

function split(chunks: Buffer[], max?: number): Event[] {
  const events: Event[] = [];
  const splitter = new LineSplitter(
    {
      line: (line, n) => events.push({ line, n }),
      overlong: (n, head) => events.push({ overlong: n, head }),
    },
    max,
  );
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return events;
}

/** Cuts `data` at the given offsets. */
function cut(data: Buffer, offsets: number[]): Buffer[] {
  const points = [...new Set(offsets.map((o) => o % (data.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    chunks.push(data.subarray(last, p));
    last = p;
  }
  chunks.push(data.subarray(last));
  return chunks;
}

describe('LineSplitter', () => {
  it('splits on LF and CRLF, numbering lines from 1', () => {
    expect(split([Buffer.from('a\nb\r\n\nc')])).toEqual([
      { line: 'a', n: 1 },
      { line: 'b', n: 2 },
      { line: '', n: 3 },
      { line: 'c', n: 4 },
    ]);
  });

  it('joins a line split across chunks, and a CRLF split between CR and LF', () => {
    expect(split([Buffer.from('htt'), Buffer.from('p://a/\r'), Buffer.from('\nb')])).toEqual([
      { line: 'http://a/', n: 1 },
      { line: 'b', n: 2 },
    ]);
  });

  it('decodes a multi-byte character split across chunks', () => {
    const data = Buffer.from('é€😀\n');
    expect(split([data.subarray(0, 1), data.subarray(1, 4), data.subarray(4)])).toEqual([{ line: 'é€😀', n: 1 }]);
  });

  it('gives the same lines whatever the chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-zé\r ]{0,8}$/), { maxLength: 8 }),
        fc.constantFrom('\n', '\r\n'),
        fc.array(fc.nat(), { maxLength: 6 }),
        (lines, eol, offsets) => {
          const data = Buffer.from(lines.join(eol));
          const whole = split([data]);
          expect(split(cut(data, offsets))).toEqual(whole);
          // A final newline ends the last line; it does not start an empty one.
          const text = data.toString();
          const expected = (text.endsWith('\n') ? text.slice(0, -1) : text)
            .split('\n')
            .map((l) => l.replace(/\r$/, ''));
          if (text === '') expected.pop();
          expect(whole.map((e) => ('line' in e ? e.line : null))).toEqual(expected);
        },
      ),
    );
  });

  it('reports a line over the limit once, skips it, and goes on', () => {
    const events = split([Buffer.from('ok\n0123456789ABCDEF\nnext\n')], 10);
    expect(events).toEqual([
      { line: 'ok', n: 1 },
      { overlong: 2, head: '0123456789ABCDEF' },
      { line: 'next', n: 3 },
    ]);
  });

  it('reports an overlong line spread over many chunks without buffering it; the head spans the chunks it came in', () => {
    const chunks = [
      Buffer.from('first\nxxxx'),
      ...Array.from({ length: 50 }, () => Buffer.from('y'.repeat(7))),
      Buffer.from('z\r\nlast'),
    ];
    const events = split(chunks, 10);
    expect(events).toEqual([
      { line: 'first', n: 1 },
      { overlong: 2, head: `xxxx${'y'.repeat(14)}` },
      { line: 'last', n: 3 },
    ]);
  });

  it('counts the limit without the CR of CRLF', () => {
    expect(split([Buffer.from('0123456789\r\n')], 10)).toEqual([{ line: '0123456789', n: 1 }]);
    expect(split([Buffer.from('01234'), Buffer.from('56789\r'), Buffer.from('\n')], 10)).toEqual([
      { line: '0123456789', n: 1 },
    ]);
    expect(split([Buffer.from('0123456789A\r\n')], 10)).toEqual([{ overlong: 1, head: '0123456789A' }]);
  });

  it('uses 64 KiB by default', () => {
    expect(MAX_LINE_BYTES).toBe(65_536);
    const exact = 'a'.repeat(MAX_LINE_BYTES);
    expect(split([Buffer.from(`${exact}\n${exact}b\n`)])).toEqual([
      { line: exact, n: 1 },
      { overlong: 2, head: 'a'.repeat(100) },
    ]);
  });

  it('handles a final line without newline, and an overlong final line', () => {
    expect(split([Buffer.from('a\nb')])).toEqual([
      { line: 'a', n: 1 },
      { line: 'b', n: 2 },
    ]);
    expect(split([Buffer.from('a\n'), Buffer.from('b'.repeat(20))], 10)).toEqual([
      { line: 'a', n: 1 },
      { overlong: 2, head: 'b'.repeat(20) },
    ]);
  });
});
