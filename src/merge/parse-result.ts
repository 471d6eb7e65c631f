import type {
  AttemptFailure,
  Change,
  HttpVersion,
  RedirectHop,
  Result,
  ResultError,
  SourceLocation,
  Timings,
  TlsInfo,
} from '../types.js';

/**
 * The inverse of `resultToJson` (src/report/result-json.ts): one NDJSON line → a {@link Result},
 * checked field by field. Strict on purpose: `merge` and `--resume` decide which targets ran from
 * these lines, so a truncated line, a hand-edited field or another tool's output must stop them
 * with a reason, not be guessed at. Unknown fields are refused for the same reason: a field this
 * version does not know would be dropped silently from every report built from it.
 *
 * Throws an Error whose message names the field and what was wrong; the caller adds file and line.
 */
export function parseResultLine(line: string): Result {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new Error('not valid JSON');
  }
  if (!isObject(value)) throw new Error('not a JSON object');
  for (const key of Object.keys(value)) {
    if (!RESULT_FIELDS.has(key)) throw new Error(`unknown field ${JSON.stringify(key)}`);
  }
  const result: Result = {
    index: wholeNumber(value.index, 'index', 0),
    input: string(value.input, 'input'),
    url: nullable(value.url, 'url', string),
    method: string(value.method, 'method'),
    status: nullable(value.status, 'status', (v, f) => wholeNumber(v, f, 0)),
    ok: boolean(value.ok, 'ok'),
    bytes: wholeNumber(value.bytes, 'bytes', 0),
    timings: timings(value.timings),
    reused: boolean(value.reused, 'reused'),
    // Absent in lines written before HTTP/2 support: no version was reported then.
    httpVersion: value.httpVersion === undefined ? null : nullable(value.httpVersion, 'httpVersion', httpVersion),
    error: nullable(value.error, 'error', resultError),
    failures: array(value.failures, 'failures', string),
    attempts: wholeNumber(value.attempts, 'attempts', 0), // 0: an invalid target made no attempt
    redirects: array(value.redirects, 'redirects', redirectHop),
    finalUrl: nullable(value.finalUrl, 'finalUrl', string),
    remoteAddress: nullable(value.remoteAddress, 'remoteAddress', string),
    tls: nullable(value.tls, 'tls', tlsInfo),
    decodedBytes: nullable(value.decodedBytes, 'decodedBytes', (v, f) => wholeNumber(v, f, 0)),
    savedTo: nullable(value.savedTo, 'savedTo', string),
  };
  if (value.name !== undefined) result.name = string(value.name, 'name');
  // Where the target was found: its file and line (target files, --links), the page that linked it (--crawl).
  if (value.source !== undefined) result.source = sourceLocation(value.source, 'source');
  if (value.sources !== undefined) result.sources = array(value.sources, 'sources', sourceLocation);
  if (value.from !== undefined) result.from = string(value.from, 'from');
  // Present only after retries.
  if (value.retried !== undefined) result.retried = array(value.retried, 'retried', attemptFailure);
  if (value.flaky !== undefined) result.flaky = boolean(value.flaky, 'flaky');
  // Present only when the run asked for a digest (`--hash`): kept absent otherwise, as written.
  if (value.sha256 !== undefined) result.sha256 = nullable(value.sha256, 'sha256', hex);
  if (value.sha1 !== undefined) result.sha1 = nullable(value.sha1, 'sha1', hex);
  if (value.md5 !== undefined) result.md5 = nullable(value.md5, 'md5', hex);
  if (value.requestBodySha256 !== undefined)
    result.requestBodySha256 = hex(value.requestBodySha256, 'requestBodySha256');
  if (value.change !== undefined) result.change = change(value.change, 'change');
  if (value.cached !== undefined) {
    if (value.cached !== true) fail('cached', 'true when present', value.cached);
    result.cached = true;
  }
  return result;
}

const RESULT_FIELDS: ReadonlySet<string> = new Set([
  'index',
  'input',
  'name',
  'source',
  'sources',
  'from',
  'url',
  'method',
  'status',
  'ok',
  'bytes',
  'timings',
  'reused',
  'httpVersion',
  'error',
  'failures',
  'attempts',
  'retried',
  'flaky',
  'redirects',
  'finalUrl',
  'remoteAddress',
  'tls',
  'decodedBytes',
  'savedTo',
  'sha256',
  'sha1',
  'md5',
  'requestBodySha256',
  'change',
  'cached',
]);

const CHANGES: ReadonlySet<string> = new Set(['new-failure', 'still-failing', 'fixed', 'ok', 'new', 'gone']);
const change: Check<Change> = (value, field) =>
  typeof value === 'string' && CHANGES.has(value)
    ? (value as Change)
    : fail(field, 'one of new-failure, still-failing, fixed, ok, new, gone', value);

type Check<T> = (value: unknown, field: string) => T;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(field: string, expected: string, value: unknown): never {
  const shown = value === undefined ? 'nothing' : JSON.stringify(value);
  throw new Error(`field "${field}" must be ${expected}, got ${shown.length > 40 ? `${shown.slice(0, 40)}…` : shown}`);
}

function object(value: unknown, field: string, fields: readonly string[]): Record<string, unknown> {
  if (!isObject(value)) fail(field, 'an object', value);
  for (const key of Object.keys(value)) {
    if (!fields.includes(key)) throw new Error(`unknown field ${JSON.stringify(`${field}.${key}`)}`);
  }
  return value;
}

const string: Check<string> = (value, field) => (typeof value === 'string' ? value : fail(field, 'a string', value));

const hex: Check<string> = (value, field) =>
  typeof value === 'string' && /^[0-9a-f]+$/.test(value) ? value : fail(field, 'a hex digest', value);

const boolean: Check<boolean> = (value, field) =>
  typeof value === 'boolean' ? value : fail(field, 'true or false', value);

function wholeNumber(value: unknown, field: string, min: number): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min) return value;
  return fail(field, `a whole number ≥ ${min}`, value);
}

/** Milliseconds: any finite number ≥ 0 (timings carry fractions). */
const ms: Check<number> = (value, field) =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fail(field, 'a number ≥ 0', value);

function nullable<T>(value: unknown, field: string, check: Check<T>): T | null {
  return value === null ? null : check(value, field);
}

function array<T>(value: unknown, field: string, check: Check<T>): T[] {
  if (!Array.isArray(value)) fail(field, 'an array', value);
  return value.map((item, i) => check(item, `${field}[${i}]`));
}

const sourceLocation: Check<SourceLocation> = (value, field) => {
  const s = object(value, field, ['file', 'line']);
  return { file: string(s.file, `${field}.file`), line: wholeNumber(s.line, `${field}.line`, 1) };
};

function timings(value: unknown): Timings {
  const t = object(value, 'timings', ['dns', 'connect', 'tls', 'firstByte', 'total']);
  return {
    dns: nullable(t.dns, 'timings.dns', ms),
    connect: nullable(t.connect, 'timings.connect', ms),
    tls: nullable(t.tls, 'timings.tls', ms),
    firstByte: nullable(t.firstByte, 'timings.firstByte', ms),
    total: ms(t.total, 'timings.total'),
  };
}

/**
 * Codes are checked for shape, not against today's list: a newer fetch-many may add a code, and
 * the summary counts codes by name anyway.
 */
const resultError: Check<ResultError> = (value, field) => {
  const e = object(value, field, ['code', 'phase', 'message']);
  const code = string(e.code, `${field}.code`);
  if (!/^[a-z][a-z0-9_]*$/.test(code)) fail(`${field}.code`, 'an error code (lower case, _)', code);
  const message = string(e.message, `${field}.message`);
  if (e.phase === undefined) return { code, message } as ResultError;
  const phase = string(e.phase, `${field}.phase`);
  if (!['connect', 'tls', 'headers', 'body'].includes(phase)) fail(`${field}.phase`, 'a timeout phase', phase);
  return { code, phase, message } as ResultError;
};

const attemptFailure: Check<AttemptFailure> = (value, field) => {
  const a = object(value, field, ['status', 'error', 'failures']);
  return {
    status: nullable(a.status, `${field}.status`, (v, f) => wholeNumber(v, f, 0)),
    error: nullable(a.error, `${field}.error`, resultError),
    failures: array(a.failures, `${field}.failures`, string),
  };
};

const redirectHop: Check<RedirectHop> = (value, field) => {
  const h = object(value, field, ['status', 'url']);
  return { status: wholeNumber(h.status, `${field}.status`, 0), url: string(h.url, `${field}.url`) };
};

const tlsInfo: Check<TlsInfo> = (value, field) => {
  const t = object(value, field, ['protocol', 'cipher', 'subject', 'issuer', 'validTo', 'daysLeft', 'resumed']);
  return {
    protocol: nullable(t.protocol, `${field}.protocol`, string),
    cipher: nullable(t.cipher, `${field}.cipher`, string),
    subject: nullable(t.subject, `${field}.subject`, string),
    issuer: nullable(t.issuer, `${field}.issuer`, string),
    validTo: nullable(t.validTo, `${field}.validTo`, string),
    daysLeft: nullable(t.daysLeft, `${field}.daysLeft`, (v, f) =>
      typeof v === 'number' && Number.isSafeInteger(v) ? v : fail(f, 'a whole number', v),
    ),
    // Absent in lines written before TLS session resumption: nothing was resumed then.
    resumed: t.resumed === undefined ? false : boolean(t.resumed, `${field}.resumed`),
  };
};

const httpVersion: Check<HttpVersion> = (value, field) =>
  value === '1.0' || value === '1.1' || value === '2' ? value : fail(field, '"1.0", "1.1" or "2"', value);
