import { resolveLink } from './resolve.js';

/** Characters that end a URL in running text (RFC 3986 appendix C's delimiters, and quotes). */
const ENDS_URL = new Set([' ', '\t', '\r', '\n', '<', '>', '"', "'", '`', '\\', '{', '}', '|', '^']);
/** Trailing punctuation that belongs to the sentence, not the URL. */
const TRAILING = new Set(['.', ',', ';', ':', '!', '?', ')', ']', '*', '_']);

/**
 * Absolute http(s) URLs in one line of plain text. A linear scan, no regular expression: each
 * `http` is looked at once, and a URL ends at white space, a quote or an angle bracket; sentence
 * punctuation after it is not part of it (a closing parenthesis is, when the URL opened one).
 */
export function textLinks(line: string, onLink: (url: string) => void): void {
  const lower = line.toLowerCase();
  for (let at = lower.indexOf('http'); at !== -1; at = lower.indexOf('http', at + 1)) {
    const scheme = lower.startsWith('https://', at) ? 8 : lower.startsWith('http://', at) ? 7 : 0;
    if (scheme === 0) continue;
    let end = at + scheme;
    while (end < line.length && !ENDS_URL.has(line[end]!)) end++;
    let url = line.slice(at, end);
    while (url.length > scheme && TRAILING.has(url[url.length - 1]!)) {
      if (url.endsWith(')') && count(url, '(') >= count(url, ')')) break;
      url = url.slice(0, -1);
    }
    const resolved = resolveLink(url, undefined);
    if (resolved !== null) onLink(resolved);
    at = end - 1;
  }
}

function count(text: string, c: string): number {
  let n = 0;
  for (let i = text.indexOf(c); i !== -1; i = text.indexOf(c, i + 1)) n++;
  return n;
}
