import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { xmlAttr, xmlText } from '../../src/report/xml.js';
import { parseXml } from './xml-reader.js';

/** What survives: the input without characters XML 1.0 cannot carry, and DEL/C1 as the text `\u00XX`. */
const strip = (s: string): string =>
  s
    .replace(/[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, '')
    .replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

describe('xml escaping', () => {
  it('escapes the five special characters', () => {
    expect(xmlText(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;');
  });

  it('strips characters XML 1.0 forbids, keeps TAB/LF in text and CR as a reference', () => {
    expect(xmlText('a\x00b\x1bc\ud800d\ufffe\uffff\t\n\r😀')).toBe('abcd\t\n&#13;😀');
  });

  it('writes DEL and C1 controls (legal XML, but they act on a terminal) as the text \\u009b', () => {
    expect(xmlText('a\x7fb\x9bc\x85')).toBe('a\\u007fb\\u009bc\\u0085');
    expect(xmlAttr('\x9b31m')).toBe('\\u009b31m');
  });

  it('keeps TAB/LF/CR in attributes as character references', () => {
    expect(xmlAttr('a\tb\nc\rd')).toBe('a&#9;b&#10;c&#13;d');
  });

  it('round-trips any string through a strict reader (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (s) => {
        const doc = parseXml(`<r a="${xmlAttr(s)}">${xmlText(s)}</r>`);
        expect(doc.attrs.a).toBe(strip(s));
        expect(doc.text).toBe(strip(s));
      }),
      { numRuns: 500 },
    );
  });
});
