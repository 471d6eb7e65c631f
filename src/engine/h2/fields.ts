/**
 * The checks RFC 9113 §8.1.1, §8.2 and §8.3.2 make on a response's field list, and what the
 * session needs from it. A list that fails them is malformed: the stream fails, the connection
 * goes on.
 */

/** A final or interim response head, or why the list is malformed. */
export interface ResponseFields {
  status: number;
  /** The regular fields, flat ([name, value, …]). */
  headers: string[];
  /** Content-Length, or -1 when absent. */
  contentLength: number;
}

/** token characters (RFC 9110 §5.6.2) minus upper-case letters: an HTTP/2 field name (§8.2.1). */
const NAME = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz") NAME[c.charCodeAt(0)] = 1;

/** §8.2.2: connection-specific fields make a message malformed. */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/** Why `name` is not a valid HTTP/2 field name, or null. */
function badName(name: string): string | null {
  if (name.length === 0) return 'an empty field name';
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 65 && c <= 90) return 'an upper-case field name';
    if (c >= 128 || NAME[c] !== 1) return 'a field name that is not a token';
  }
  return null;
}

/** §8.2.1: NUL, CR and LF never; no whitespace at either end. */
function badValue(value: string): boolean {
  const n = value.length;
  if (n === 0) return false;
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(n - 1);
  if (first === 0x20 || first === 0x09 || last === 0x20 || last === 0x09) return true;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c === 0 || c === 0x0a || c === 0x0d) return true;
  }
  return false;
}

/**
 * Checks a response head's field list (`trailers`: a trailer section, no pseudo-header fields).
 * Returns the head, or a string saying why it is malformed.
 */
export function responseFields(fields: readonly string[], trailers: boolean): ResponseFields | string {
  let status = -1;
  let contentLength = -1;
  const from = !trailers && fields[0] === ':status' ? 2 : 0;
  if (!trailers) {
    const value = fields[1];
    if (from === 0 || value === undefined) return 'no :status';
    if (value.length !== 3) return 'an invalid :status';
    status = 0;
    for (let i = 0; i < 3; i++) {
      const d = value.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return 'an invalid :status';
      status = status * 10 + d;
    }
    if (status < 100) return 'an invalid :status';
  }
  for (let i = from; i < fields.length; i += 2) {
    const name = fields[i]!;
    const value = fields[i + 1]!;
    if (name.charCodeAt(0) === 0x3a) {
      // §8.3.2: :status only, once, first; none in trailers (§8.1).
      return `a pseudo-header field ${name.length > 20 ? 'name' : name} ${trailers ? 'in trailers' : 'other than one :status first'}`;
    }
    const wrong = badName(name);
    if (wrong !== null) return wrong;
    if (badValue(value)) return `an invalid value of ${name.length > 40 ? 'a field' : name}`;
    if (CONNECTION_SPECIFIC.has(name) || (name === 'te' && value !== 'trailers')) {
      return `the connection-specific field ${name} (RFC 9113 §8.2.2)`;
    }
    if (name === 'content-length' && !trailers) {
      const n = /^[0-9]{1,15}$/.test(value) ? Number(value) : -1;
      if (n === -1 || (contentLength !== -1 && contentLength !== n)) return 'an invalid content-length';
      contentLength = n;
    }
  }
  return { status, headers: from === 0 ? [...fields] : fields.slice(from), contentLength };
}
