import type { Result } from '../types.js';
import { escapeJsonControls } from '../controls.js';

/**
 * One Result as compact JSON, fields in a fixed order: index, input, name, source {file, line},
 * sources [{file, line}…], from (each only when present), url, method, status, ok, bytes, timings
 * {dns, connect, tls, firstByte, total}, reused, httpVersion, error {code, phase?, message} | null,
 * failures, attempts, retried and flaky (only after retries), redirects, finalUrl, remoteAddress,
 * tls, decodedBytes, savedTo, then the digest named after the `hash` algorithm (sha256 | sha1 |
 * md5) only when a hash was asked for, then `responseHeaders` and `requestHeaders` only when asked for, then
 * requestBodySha256, change and cached when present.
 *
 * Hand-built rather than `JSON.stringify` of a fresh ordered object, with no intermediate
 * objects, and byte-identical to it (a property test checks that) except that DEL and C1
 * controls, which `JSON.stringify` leaves raw, are escaped too (see controls.ts). It runs once per
 * result, so (measured on Node 20 with 200,000 results of a keep-alive run):
 * - strings are escaped one by one ({@link jsonString}), so the finished line is never scanned
 *   again; a URL that is also the input and the final URL is escaped once for all three
 *   (2.1 → 0.8 µs a line);
 * - the runs of fields between the values that differ from one result to the next (index, input,
 *   url, firstByte, total, finalUrl) are the same for most results of a run — method, status, ok,
 *   bytes, the connection phases; reused, httpVersion, no error, attempts; remoteAddress and
 *   the rest — and each is kept as text, the last one made with what it was made from: a line is
 *   then about 15 concatenations instead of 50, and a third less garbage (1.5 → 1.0 µs a line
 *   with the write to the stream).
 * Numbers that JSON cannot hold (NaN, ±Infinity) become null, as `JSON.stringify` would make them.
 */
export function resultToJson(r: Result): string {
  const t = r.timings;
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
    (r.source === undefined && r.from === undefined ? '' : origin(r)) +
    ',"url":' +
    url +
    responseRun(r) +
    nullableNum(t.firstByte) +
    ',"total":' +
    num(t.total) +
    outcomeRun(r) +
    finalUrl +
    connectionRun(r) +
    digests(r) +
    heads(r) +
    history(r) +
    '}'
  );
}

// The last run of each kind, and what it was made from (compared with ===: equal values give
// equal text; a NaN never matches, which only costs a rebuild). Null: none made yet.
let responseText: string | null = null;
let responseMethod = '';
let responseStatus: number | null = -1;
let responseOk = false;
let responseBytes = -1;
let responseDns: number | null = -1;
let responseConnect: number | null = -1;
let responseTls: number | null = -1;

/** `,"method":…` up to `"firstByte":`. */
function responseRun(r: Result): string {
  const t = r.timings;
  if (
    responseText !== null &&
    r.method === responseMethod &&
    r.status === responseStatus &&
    r.ok === responseOk &&
    r.bytes === responseBytes &&
    t.dns === responseDns &&
    t.connect === responseConnect &&
    t.tls === responseTls
  ) {
    return responseText;
  }
  responseMethod = r.method;
  responseStatus = r.status;
  responseOk = r.ok;
  responseBytes = r.bytes;
  responseDns = t.dns;
  responseConnect = t.connect;
  responseTls = t.tls;
  responseText =
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
    ',"firstByte":';
  return responseText;
}

let outcomeText: string | null = null;
let outcomeReused = false;
let outcomeVersion: Result['httpVersion'] = null;
let outcomeAttempts = -1;

/** `},"reused":…` up to `"finalUrl":`; kept only when there is no error, failure or redirect. */
function outcomeRun(r: Result): string {
  const e = r.error;
  const plain = e === null && r.failures.length === 0 && r.redirects.length === 0 && r.retried === undefined;
  if (
    plain &&
    outcomeText !== null &&
    r.reused === outcomeReused &&
    r.httpVersion === outcomeVersion &&
    r.attempts === outcomeAttempts
  ) {
    return outcomeText;
  }
  const text =
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
    (r.retried === undefined ? '' : `,"retried":${jsonValue(r.retried)}`) +
    (r.flaky === undefined ? '' : `,"flaky":${r.flaky ? 'true' : 'false'}`) +
    ',"redirects":' +
    (r.redirects.length === 0 ? '[]' : jsonValue(r.redirects)) +
    ',"finalUrl":';
  if (plain) {
    outcomeReused = r.reused;
    outcomeVersion = r.httpVersion;
    outcomeAttempts = r.attempts;
    outcomeText = text;
  }
  return text;
}

let connectionText: string | null = null;
let connectionAddress: string | null = '';
let connectionDecoded: number | null = -1;

/** `,"remoteAddress":…` to `savedTo`; kept only without TLS and saved body. */
function connectionRun(r: Result): string {
  const plain = r.tls === null && r.savedTo === null;
  if (
    plain &&
    connectionText !== null &&
    r.remoteAddress === connectionAddress &&
    r.decodedBytes === connectionDecoded
  ) {
    return connectionText;
  }
  const text =
    ',"remoteAddress":' +
    (r.remoteAddress === null ? 'null' : jsonString(r.remoteAddress)) +
    ',"tls":' +
    (r.tls === null ? 'null' : jsonValue(r.tls)) +
    ',"decodedBytes":' +
    nullableNum(r.decodedBytes) +
    ',"savedTo":' +
    (r.savedTo === null ? 'null' : jsonString(r.savedTo));
  if (plain) {
    connectionAddress = r.remoteAddress;
    connectionDecoded = r.decodedBytes;
    connectionText = text;
  }
  return text;
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

/** `responseHeaders` / `requestHeaders`: present only on results of a run that asked for them (-i, -v). */
function heads(r: Result): string {
  let out = '';
  if (r.responseHeaders !== undefined) out += `,"responseHeaders":${jsonValue(r.responseHeaders)}`;
  if (r.requestHeaders !== undefined) out += `,"requestHeaders":${jsonValue(r.requestHeaders)}`;
  return out;
}

/** `requestBodySha256`, `change` and `cached`, each only when present (see types.ts). */
function history(r: Result): string {
  let out = '';
  if (r.requestBodySha256 !== undefined) out += `,"requestBodySha256":${jsonString(r.requestBodySha256)}`;
  if (r.change !== undefined) out += `,"change":"${r.change}"`;
  if (r.cached === true) out += ',"cached":true';
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

/** `source`, `sources` and `from`, each only when present (rare: --links, --crawl). */
function origin(r: Result): string {
  const place = (s: { file: string; line: number }): string => `{"file":${jsonString(s.file)},"line":${num(s.line)}}`;
  return (
    (r.source === undefined ? '' : `,"source":${place(r.source)}`) +
    (r.sources === undefined ? '' : `,"sources":[${r.sources.map(place).join(',')}]`) +
    (r.from === undefined ? '' : `,"from":${jsonString(r.from)}`)
  );
}
