import { quote } from '../describe.js';
import { controlName } from '../header.js';

/** The parts of a target URL the engine needs. */
export interface ParsedUrl {
  /** Normalized href, without credentials or fragment. */
  url: string;
  protocol: 'http:' | 'https:';
  /** Without IPv6 brackets. */
  hostname: string;
  port: number;
  /** Path and query (origin-form, RFC 9112 §3.2.1). */
  path: string;
  /** `Basic …` built from `user:pass@` in the URL, if any (RFC 7617). */
  authorization: string | undefined;
}

// WHATWG URL parsing silently removes tabs and newlines and trims C0 controls and spaces, so
// "http://a\tb/" would quietly become "http://ab/". We refuse them instead: they are never in a
// URL someone meant to type. C1 controls and U+FFFD (what undecodable bytes turn into) likewise.
const BAD_CHAR = /[\u0000-\u0020\u007f-\u009f\ufffd]/;
const SCHEME_SLASHES = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//;
const SCHEME_COLON = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;
const DIGITS = /^\d+$/;

/**
 * Parses a target string: an `http://` / `https://` URL, or shorthand `host[:port][/path]` (http
 * assumed, like curl). Any other scheme is refused.
 *
 * Shorthand vs scheme: `name:` followed by a digit is `host:port`; `user:pass@host` has an `@`
 * before the first `/`; anything else of the form `name:` is a scheme (`file:/x`, `mailto:…`).
 * @throws Error with a one-line reason.
 */
export function parseTargetUrl(text: string): ParsedUrl {
  if (text === '') throw new Error('empty URL');
  const bad = BAD_CHAR.exec(text);
  if (bad !== null) throw new Error(`URL contains ${controlName(bad[0])} at character ${bad.index + 1}`);

  const fast = parseSimpleUrl(text);
  if (fast !== null) return fast;

  let full: string;
  let authorityStart: number;
  const withSlashes = SCHEME_SLASHES.exec(text);
  if (withSlashes !== null) {
    checkScheme(withSlashes[1] ?? '');
    full = text;
    authorityStart = withSlashes[0].length;
  } else {
    const colon = SCHEME_COLON.exec(text);
    if (colon !== null && !isHostPort(text, colon[0].length)) {
      const scheme = (colon[1] ?? '').toLowerCase();
      if (scheme === 'http' || scheme === 'https') throw new Error(`"${scheme}:" must be followed by "//"`);
      checkScheme(scheme);
    }
    if (text.startsWith('/')) throw new Error('missing host');
    full = `http://${text}`;
    authorityStart = 7;
  }
  checkAuthority(full, authorityStart);

  let u: URL;
  try {
    u = new URL(full);
  } catch {
    throw new Error(`invalid host in ${quote(text)}`);
  }
  const protocol = u.protocol === 'https:' ? 'https:' : 'http:';
  const hostname = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  const port = u.port === '' ? (protocol === 'https:' ? 443 : 80) : Number(u.port);
  let authorization: string | undefined;
  if (u.username !== '' || u.password !== '') {
    // HTTP/1.1 has no place for credentials in the request line (RFC 9110 §4.2.4 deprecates
    // userinfo); curl turns them into Basic auth, which is what someone writing them expects.
    const pair = `${decode(u.username)}:${decode(u.password)}`;
    authorization = `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
    u.username = '';
    u.password = '';
  }
  // The fragment is never sent (RFC 9110 §7.1), so it is not part of what we fetch.
  if (full.includes('#')) u.hash = '';
  return { url: u.href, protocol, hostname, port, path: u.pathname + u.search, authorization };
}

// The common case — lower-case http(s) scheme or none, a plain DNS name or dotted-quad IPv4, an
// optional port, a path and query of characters WHATWG leaves alone — is parsed by a scan of
// its characters, because `new URL` costs about 1 µs and a million-line list should not wait on
// it. For these inputs the result is exactly what `new URL` gives (a property test checks that);
// anything else takes the WHATWG path. The scan accepts what this expression does:
//   ^(?:(https?):\/\/)?([A-Za-z0-9.-]+)(?::([1-9][0-9]{0,4}))?
//    (\/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*)?(\?[A-Za-z0-9\-._~!$&()*+,;=:@/?]+)?$
// (the expression's match array and five captured strings were most of the garbage of
// parsing a target; the scan slices only the host, and a URL already in normal form — scheme,
// lower case, no default port, a path — is its own `url`, with no string built at all).
// A domain whose last label starts with a letter: WHATWG would parse a numeric last label as IPv4.
// No `xn--` labels (their punycode would be validated) and no empty labels.
const SIMPLE_DOMAIN = /^(?:[A-Za-z0-9-]+\.)*[A-Za-z][A-Za-z0-9-]*$/;
const SIMPLE_IPV4 =
  /^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/;

/** Per ASCII code: 1 host character, 2 path character, 4 query character (bits). */
const SIMPLE_CLASS = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.') SIMPLE_CLASS[c.charCodeAt(0)]! |= 1;
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/") {
  SIMPLE_CLASS[c.charCodeAt(0)]! |= 2;
}
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&()*+,;=:@/?') {
  SIMPLE_CLASS[c.charCodeAt(0)]! |= 4;
}

/** Whether every character of text[from, to) is of `kind` (a bit of SIMPLE_CLASS); returns where it stopped. */
function scan(text: string, from: number, kind: number): number {
  let i = from;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || (SIMPLE_CLASS[c]! & kind) === 0) break;
  }
  return i;
}

/** A "." or ".." segment in path text[from, to): WHATWG path normalization would remove it. */
function hasDotSegment(text: string, from: number, to: number): boolean {
  for (let k = text.indexOf('/.', from); k !== -1 && k < to; k = text.indexOf('/.', k + 1)) {
    const after = k + 2 < to ? text.charCodeAt(k + 2) : -1;
    if (after === -1 || after === 0x2f /* / */) return true;
    if (after === 0x2e /* . */ && (k + 3 >= to || text.charCodeAt(k + 3) === 0x2f)) return true;
  }
  return false;
}

/** The fast path described above, or null when `text` needs the full parser. */
export function parseSimpleUrl(text: string): ParsedUrl | null {
  const n = text.length;
  let protocol: 'http:' | 'https:' = 'http:';
  let i = 0;
  if (text.startsWith('http://')) i = 7;
  else if (text.startsWith('https://')) {
    protocol = 'https:';
    i = 8;
  }
  const hasScheme = i > 0;
  const hostEnd = scan(text, i, 1);
  if (hostEnd === i) return null;
  const rawHost = text.slice(i, hostEnd);
  let host: string;
  let lowered = false;
  if (SIMPLE_DOMAIN.test(rawHost)) {
    host = rawHost.toLowerCase();
    lowered = host !== rawHost;
    if (host.includes('xn--')) return null;
  } else if (SIMPLE_IPV4.test(rawHost)) {
    host = rawHost;
  } else {
    return null;
  }
  i = hostEnd;
  const defaultPort = protocol === 'https:' ? 443 : 80;
  let port = defaultPort;
  let portGiven = false;
  if (i < n && text.charCodeAt(i) === 0x3a /* : */) {
    const first = text.charCodeAt(i + 1);
    if (!(first >= 0x31 && first <= 0x39)) return null;
    let value = 0;
    let k = i + 1;
    for (; k < n && k < i + 6; k++) {
      const d = text.charCodeAt(k) - 0x30;
      if (d < 0 || d > 9) break;
      value = value * 10 + d;
    }
    if (value > 65535) return null;
    port = value;
    portGiven = true;
    i = k;
  }
  let pathStart = -1;
  if (i < n && text.charCodeAt(i) === 0x2f /* / */) {
    pathStart = i;
    i = scan(text, i + 1, 2);
  }
  const pathEnd = i;
  if (i < n && text.charCodeAt(i) === 0x3f /* ? */) {
    const queryEnd = scan(text, i + 1, 4);
    if (queryEnd === i + 1) return null;
    i = queryEnd;
  }
  if (i !== n) return null;
  if (pathStart !== -1 && hasDotSegment(text, pathStart, pathEnd)) return null;
  const path = pathStart === -1 ? `/${text.slice(pathEnd)}` : text.slice(pathStart);
  let url: string;
  if (hasScheme && !lowered && pathStart !== -1 && !(portGiven && port === defaultPort)) url = text;
  else {
    const origin = port === defaultPort ? `${protocol}//${host}` : `${protocol}//${host}:${port}`;
    url = origin + path;
  }
  return { url, protocol, hostname: host, port, path, authorization: undefined };
}

function checkScheme(scheme: string): void {
  const lower = scheme.toLowerCase();
  if (lower !== 'http' && lower !== 'https') {
    throw new Error(`unsupported scheme ${quote(`${lower}:`)} (use http or https)`);
  }
}

/** `name:` at the start of a shorthand is a host when a port digit or userinfo `@` follows. */
function isHostPort(text: string, afterColon: number): boolean {
  const next = text.charCodeAt(afterColon);
  if (next >= 0x30 && next <= 0x39) return true;
  const at = text.indexOf('@');
  if (at === -1) return false;
  const slash = text.indexOf('/');
  return slash === -1 || at < slash;
}

/**
 * Checks host presence and port range ourselves before WHATWG parsing: `URL` accepts port 0 and
 * throws a bare "Invalid URL" for 70000, and silently skips extra slashes (`http:///x` → host x).
 */
function checkAuthority(full: string, start: number): void {
  let end = full.length;
  for (let i = start; i < full.length; i++) {
    const c = full.charCodeAt(i);
    if (c === 0x2f || c === 0x3f || c === 0x23 || c === 0x5c) {
      end = i;
      break;
    }
  }
  const authority = full.slice(start, end);
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  if (hostPort === '') throw new Error('missing host');
  let portText: string | undefined;
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    if (close === -1) throw new Error('unclosed "[" in IPv6 address');
    const after = hostPort.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) throw new Error(`unexpected ${quote(after)} after IPv6 address`);
      portText = after.slice(1);
    }
  } else {
    const colon = hostPort.indexOf(':');
    if (colon !== -1 && hostPort.includes(':', colon + 1)) {
      throw new Error('IPv6 address must be in brackets (e.g. http://[::1]:8080/)');
    }
    if (colon === 0) throw new Error('missing host');
    if (colon !== -1) portText = hostPort.slice(colon + 1);
  }
  if (portText === undefined || portText === '') return;
  if (!DIGITS.test(portText)) throw new Error(`invalid port ${quote(portText)}`);
  const port = Number(portText);
  if (port < 1 || port > 65535) throw new Error(`port ${portText} out of range (1-65535)`);
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
