import type { HeaderPair } from '../types.js';

/**
 * What a run keeps of each request's and response's head, when asked (`responseHeaders`,
 * `requestHeaders`; the CLI's -i and -v). Made per exchange only in such a run, so a run that
 * asks for neither spends one null check per response head on it.
 *
 * Bounded by what the heads themselves are bounded by: the parser's and HPACK's header-size
 * limits for a response, the target's validated header list for a request. Values are kept as
 * received (latin1); reporters sanitize and redact them.
 */
export class HeadCapture {
  /** The request's header fields as sent (HTTP/2: the pseudo-header fields first); null until sent. */
  request: HeaderPair[] | null = null;
  /** The final response's header fields in wire order, names lower-cased; null until it arrived. */
  response: HeaderPair[] | null = null;

  constructor(
    /** Keep the request's fields too (-v), not only the response's. */
    readonly wantsRequest: boolean,
  ) {}
}

/** `[name0, value0, name1, value1, …]` → pairs (a copy: the flat list may be reused). */
export function pairsOf(flat: readonly string[]): HeaderPair[] {
  const pairs: HeaderPair[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
  return pairs;
}

/**
 * The header fields of a serialized HTTP/1.1 request (what was written to the socket): the lines
 * between the request line and the empty line, as pairs. The head was built by us from validated
 * fields, so each line is `Name: value`.
 */
export function h1RequestFields(bytes: string | Buffer): HeaderPair[] {
  const text = typeof bytes === 'string' ? bytes : headOf(bytes);
  const end = text.indexOf('\r\n\r\n');
  const lines = (end === -1 ? text : text.slice(0, end)).split('\r\n');
  const pairs: HeaderPair[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon > 0) pairs.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  return pairs;
}

function headOf(bytes: Buffer): string {
  const end = bytes.indexOf('\r\n\r\n');
  return bytes.toString('utf8', 0, end === -1 ? bytes.length : end + 4);
}
