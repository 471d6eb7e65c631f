import type { Result } from '../types.js';
import { escapeJsonControls } from '../controls.js';

/**
 * One Result as compact JSON, fields in a fixed order: index, input, name (only when present),
 * url, method, status, ok, bytes, timings {dns, connect, tls, firstByte, total}, reused,
 * httpVersion, error {code, phase?, message} | null, failures, attempts, redirects, finalUrl, remoteAddress,
 * tls, decodedBytes, savedTo, then the digest named after the `hash` algorithm (sha256 | sha1 |
 * md5) only when a hash was asked for.
 *
 * Hand-built rather than `JSON.stringify` of a fresh ordered object, in one expression with no
 * intermediate objects, and byte-identical to it (a property test checks that) except that DEL
 * and C1 controls, which `JSON.stringify` leaves raw, are escaped too (see controls.ts). Strings
 * are escaped one by one ({@link jsonString}), so the finished line is never scanned again; a
 * URL is usually the input and the final URL too, and is escaped once for all three. On Node 20
 * (200,000 results of a keep-alive run, warmed up) this measured 0.8 µs a line against 2.1 µs for
 * the same builder that called `JSON.stringify` per string and escaped the whole line after.
 * Numbers that JSON cannot hold (NaN, ±Infinity) become null, as `JSON.stringify` would make them.
 */
export function resultToJson(r: Result): string {
  const t = r.timings;
  const e = r.error;
  const input = jsonString(r.input);
  const url = r.url === null ? 'null' : r.url === r.input ? input : jsonString(r.url);
  const finalUrl =
    r.finalUrl === null ? 'null' : r.finalUrl === r.url ? url : r.finalUrl === r.input ? input : jsonString(r.finalUrl);
  return (
    '{"index":' +
    num(r.index) +
    ',"input":' +
    input +
    (r.name === undefined ? '' : `,"name":${jsonString(r.name)}`) +
    ',"url":' +
    url +
    ',"method":' +
    (r.method === 'GET' ? '"GET"' : jsonString(r.method)) +
    ',"status":' +
    nullableNum(r.status) +
    ',"ok":' +
    (r.ok ? 'true' : 'false') +
    ',"bytes":' +
    num(r.bytes) +
    ',"timings":{"dns":' +
    nullableNum(t.dns) +
    ',"connect":' +
    nullableNum(t.connect) +
    ',"tls":' +
    nullableNum(t.tls) +
    ',"firstByte":' +
    nullableNum(t.firstByte) +
    ',"total":' +
    num(t.total) +
    '},"reused":' +
    (r.reused ? 'true' : 'false') +
    ',"httpVersion":' +
    (r.httpVersion === null ? 'null' : jsonString(r.httpVersion)) +
    ',"error":' +
    (e === null
      ? 'null'
      : '{"code":' +
        jsonString(e.code) +
        (e.phase === undefined ? '' : `,"phase":${jsonString(e.phase)}`) +
        ',"message":' +
        jsonString(e.message) +
        '}') +
    ',"failures":' +
    (r.failures.length === 0 ? '[]' : jsonValue(r.failures)) +
    ',"attempts":' +
    num(r.attempts) +
    ',"redirects":' +
    (r.redirects.length === 0 ? '[]' : jsonValue(r.redirects)) +
    ',"finalUrl":' +
    finalUrl +
    ',"remoteAddress":' +
    (r.remoteAddress === null ? 'null' : jsonString(r.remoteAddress)) +
    ',"tls":' +
    (r.tls === null ? 'null' : jsonValue(r.tls)) +
    ',"decodedBytes":' +
    nullableNum(r.decodedBytes) +
    ',"savedTo":' +
    (r.savedTo === null ? 'null' : jsonString(r.savedTo)) +
    digests(r) +
    '}'
  );
}

/**
 * A string as JSON. Printable ASCII other than `"` and `\` is written as is (what almost every
 * URL, address and version is: checked by a loop, cheaper than the call into `JSON.stringify`);
 * anything else goes through `JSON.stringify` (controls, lone surrogates) and then DEL and C1
 * are escaped.
 */
function jsonString(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return escapeJsonControls(JSON.stringify(s));
  }
  return `"${s}"`;
}

/** Any other JSON value (failures, redirects, tls), with DEL and C1 escaped inside its strings. */
function jsonValue(value: unknown): string {
  return escapeJsonControls(JSON.stringify(value));
}

/** The digest field of `hash`: present (possibly null) only on results of a run that asked for one. */
function digests(r: Result): string {
  let out = '';
  if (r.sha256 !== undefined) out += `,"sha256":${r.sha256 === null ? 'null' : jsonString(r.sha256)}`;
  if (r.sha1 !== undefined) out += `,"sha1":${r.sha1 === null ? 'null' : jsonString(r.sha1)}`;
  if (r.md5 !== undefined) out += `,"md5":${r.md5 === null ? 'null' : jsonString(r.md5)}`;
  return out;
}

function num(n: number): string {
  // Timings are rounded to hundredths (exchange.ts): for those, the shortest decimal that
  // round-trips — what String() produces — is the integer part and up to two digits, built here
  // from integers. V8's double-to-string is the slow path: 3 % of a pipelined run's profile.
  const c = Math.round(n * 100);
  if (c >= 0 && c < 1e9 && c / 100 === n) {
    const whole = Math.floor(c / 100);
    const cents = c - whole * 100;
    if (cents === 0) return String(whole);
    if (cents % 10 === 0) return `${whole}.${cents / 10}`;
    return `${whole}.${cents < 10 ? '0' : ''}${cents}`;
  }
  return Number.isFinite(n) ? String(n) : 'null';
}

function nullableNum(n: number | null): string {
  return n === null ? 'null' : num(n);
}
