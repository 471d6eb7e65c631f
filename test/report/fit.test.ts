import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shortenMiddle, tailOfWidth, truncateEnd, wrapText, wrapWords } from '../../src/report/fit.js';
import { displayWidth } from '../../src/report/sanitize.js';

describe('shortenMiddle', () => {
  it('leaves text that fits alone', () => {
    expect(shortenMiddle('http://a/b', 10)).toBe('http://a/b');
  });

  it('keeps scheme and host, then the end of the path', () => {
    expect(shortenMiddle('https://api.example.com/v1/aaaaaaaaaaaaaaaaaaaa/items/42', 40)).toBe(
      'https://api.example.com…aaaaaaa/items/42',
    );
    expect(shortenMiddle('POST https://api.example.com/v1/aaaaaaaaaaaaaaaa/items/42', 40)).toBe(
      'POST https://api.example.com…aa/items/42',
    );
  });

  it('keeps the end of the URL, query included, so URLs differing in their last value stay apart', () => {
    const s = shortenMiddle(`https://h.example.com/a/b/items/1003?${'q=1&'.repeat(30)}item=7`, 50);
    expect(s.startsWith('https://h.example.com…')).toBe(true);
    expect(s.endsWith('&q=1&item=7')).toBe(true);
    expect(displayWidth(s)).toBe(50);
    expect(shortenMiddle('http://127.0.0.1:8080/search?q=abc&page=3&item=12', 29)).toBe(
      'http://127.0.0.1:8080…item=12',
    );
  });

  it('cuts the host at its end when it leaves no room for the path', () => {
    const s = shortenMiddle('http://a-very-long-host-name.example.com:8080/status/404', 30);
    expect(s.startsWith('http://a-very-long-host')).toBe(true);
    expect(s.endsWith('/404')).toBe(true);
    expect(displayWidth(s)).toBeLessThanOrEqual(30);
  });

  it('never exceeds the width, for any text and width (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.integer({ min: 1, max: 120 }), (t, w) => {
        const text = `http://h.example.com/${t.replace(/[\x00-\x1f\x7f-\x9f]/g, '')}`;
        expect(displayWidth(shortenMiddle(text, w))).toBeLessThanOrEqual(w);
      }),
      { numRuns: 500 },
    );
  });
});

describe('wrapWords / truncateEnd / tailOfWidth', () => {
  it('wraps between words and keeps a " · " separator with the word before it', () => {
    expect(wrapWords('aaa bbb · ccc ddd', 9)).toEqual(['aaa bbb ·', 'ccc ddd']);
  });

  it('keeps a unit with its number', () => {
    expect(wrapWords('took 8.9 req/s', 9)).toEqual(['took', '8.9 req/s']);
    // A count stays with its label, before or after it; a comma or colon ends a group.
    expect(wrapWords('failed (expectation 1, timeout 1) · 2xx 2', 20)).toEqual([
      'failed',
      '(expectation 1,',
      'timeout 1) · 2xx 2',
    ]);
    expect(wrapWords('6 targets: 2 ok, 4 failed', 12)).toEqual(['6 targets:', '2 ok,', '4 failed']);
    expect(wrapWords('p50 22 ms p90 23 ms max 85 ms', 12)).toEqual(['p50 22 ms', 'p90 23 ms', 'max 85 ms']);
  });

  it('cuts a word longer than a line', () => {
    expect(wrapWords('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
  });

  it('counts wide characters as two columns', () => {
    expect(truncateEnd('名前名前', 5)).toBe('名前…');
    expect(tailOfWidth('名前名前', 3)).toBe('前');
  });
});

describe('wrapText', () => {
  it('breaks between words only, and cuts a word only when it is wider than a line', () => {
    expect(wrapText('status 404 not in 200-399', 12)).toEqual(['status 404', 'not in', '200-399']);
    expect(wrapText('see https://h.example.com/a/very/long/path/that/goes/on and more', 20)).toEqual([
      'see',
      'https://h.example.co',
      'm/a/very/long/path/t',
      'hat/goes/on and more',
    ]);
  });

  it('never exceeds the width and loses no word (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-z]{1,12}$/), { maxLength: 60 }),
        fc.integer({ min: 12, max: 100 }),
        (words, w) => {
          const lines = wrapText(words.join(' '), w);
          for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(w);
          expect(
            lines
              .join(' ')
              .split(' ')
              .filter((x) => x !== ''),
          ).toEqual(words);
        },
      ),
      { numRuns: 300 },
    );
  });
});
