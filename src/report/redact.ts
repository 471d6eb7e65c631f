import type { HeaderPair, Result } from '../types.js';
import { BODY_SHOWN, redactJsonText } from './redact-json.js';
import { maskUrl, maskUrlsInText } from './redact-url.js';

/**
 * Secrets never appear in a report: the values of credential headers, and the
 * password of a `user:pass@` URL, are shown as `***` in every output.
 *
 * Where: one choke point, on each finished {@link Result}, before it fans out to the reporters
 * (the CLI's `RunReport.result`). Not where targets are built (src/targets), because:
 * - the engine must send the real values, so the target keeps them; only what is shown changes;
 * - `input` is kept as given precisely so an invalid target can be shown as written, and the
 *   validation messages quote the offending value — both before any Target exists;
 * - other text reaches a report from the engine and from servers, past anything src/targets sees:
 *   redirect URLs with credentials, a proxy URL in an error, a failed expectation quoting a
 *   response `Set-Cookie`.
 * One pass over the finished Result covers every format at once (table, NDJSON, JSON, CSV, JUnit,
 * Markdown, annotations) and any format added later.
 *
 * What is redacted — by structure, never by searching every string for a shape (the
 * regex that did took minutes on a few hundred KB of body, and masked a password's value in a
 * URL's path too). Every step is linear in the text it reads:
 * - `input`, when it is JSON text: the values of the sensitive headers (any depth, any case: under
 *   `headers` and `expect.header`), the password of any URL value, and a request body (`body`,
 *   `data`) longer than {@link BODY_SHOWN} characters, shown as its size and digest (see
 *   redact-json.ts); when it is a URL or a shorthand `user:pass@host`: its password;
 * - `url`, `finalUrl` and each redirect's URL: the user info's password, parsed out of the
 *   authority — `http://alice:s3cret@host/basic-auth/alice/s3cret` is shown
 *   `http://alice:***@host/basic-auth/alice/s3cret`;
 * - the error message, the failures and the name (free text): the password of each
 *   `scheme://` URL they quote, and every occurrence of a secret value found above (a validation
 *   message quotes the value it refuses) when at least {@link MIN_SCRUBBED} characters long;
 *   the quoted values of a failed header expectation on a sensitive header;
 * - everywhere (input and URLs included): every occurrence of the run's own secret values,
 *   {@link RedactOptions.secrets}.
 * - in `responseHeaders` and `requestHeaders` (-i, -v): the values of the sensitive names, and URL
 *   passwords and run-wide secret values in any other value.
 */
export const DEFAULT_REDACTED_HEADERS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
];

/** What a secret is shown as (the same string as redact-url.ts's `MASK`). */
export const REDACTED = '***';

/** Shorter secret values are redacted where structure says where they are, not searched for in text. */
export const MIN_SCRUBBED = 4;

export interface RedactOptions {
  /** Extra header names (`--redact-header`), any case; added to {@link DEFAULT_REDACTED_HEADERS}. */
  headers?: readonly string[];
  /**
   * Secret values known to the run, shown as `***` wherever they occur in any string of a result,
   * input and URLs included: the values of the run-wide headers (`-H`) whose names are redacted,
   * and any other value the run was told is secret (a value a target file reads from the
   * environment, say). Values shorter than {@link MIN_SCRUBBED} characters are ignored: they
   * would blank out unrelated text. Each is searched for with `String#includes`/`split`, linear in
   * the text for each value.
   */
  secrets?: readonly string[];
}

export type Redactor = (r: Result) => Result;

export function createRedactor(opts: RedactOptions = {}): Redactor {
  const names = new Set([...DEFAULT_REDACTED_HEADERS, ...(opts.headers ?? []).map((h) => h.toLowerCase())]);
  const global = variants(opts.secrets ?? []);

  /** The secrets everywhere, then the one structure the text has. */
  const inputSecrets = (input: string): { text: string; found: string[] } => {
    const first = input.charCodeAt(skipSpace(input));
    // A URL never starts with these; a target object, or a JSON line that failed to parse, does.
    if (first === 123 /* { */ || first === 91 /* [ */ || first === 34 /* " */) return redactJsonText(input, names);
    const masked = maskUrl(input);
    return { text: masked.text, found: masked.password === null ? [] : [masked.password] };
  };

  const redactResult = (r: Result): Result => {
    // Every secret we find by structure needs an `@` (a URL's user info) or a `"` (a JSON input),
    // and a failed expectation or an error may quote one: a plain successful result with neither
    // is shown as it is (most results of a large run).
    if (global.length === 0 && plainResult(r)) return r;
    const { text: input, found } = inputSecrets(r.input);
    const fromInput = variants(found.flatMap((v) => [v, decodeSafe(v)]));
    const everywhere = (text: string): string => replaceAll(text, global);
    const url = (text: string): string => everywhere(maskUrl(text).text);
    const message = (text: string): string => replaceAll(everywhere(maskUrlsInText(text)), fromInput);
    const failure = (text: string): string =>
      isSensitiveHeaderFailure(text, names) ? maskQuoted(message(text)) : message(text);

    const out: Result = {
      ...r,
      input: everywhere(input),
      url: r.url === null ? null : url(r.url),
      finalUrl: r.finalUrl === null ? null : url(r.finalUrl),
      redirects: r.redirects.map((h) => {
        const shown = url(h.url);
        return shown === h.url ? h : { ...h, url: shown };
      }),
      error: r.error === null ? null : { ...r.error, message: message(r.error.message) },
      failures: r.failures.map(failure),
    };
    if (r.name !== undefined) out.name = message(r.name);
    // An earlier attempt's error or failed expectation may quote a secret as the last one's does.
    if (r.retried !== undefined) {
      out.retried = r.retried.map((a) => ({
        status: a.status,
        error: a.error === null ? null : { ...a.error, message: message(a.error.message) },
        failures: a.failures.map(failure),
      }));
      return out;
    }
    return same(r, out) ? r : out;
  };

  /** A header list as reports show it: the values of sensitive names as ***, URL passwords hidden. */
  const redactHeads = (pairs: HeaderPair[]): HeaderPair[] =>
    pairs.map(([name, value]): HeaderPair => {
      if (names.has(name.toLowerCase())) return [name, REDACTED];
      return [name, replaceAll(maskUrlsInText(value), global)];
    });

  return (r: Result): Result => {
    const out = redactResult(r);
    if (r.responseHeaders === undefined && r.requestHeaders === undefined) return out;
    const copy: Result = { ...out };
    if (r.responseHeaders !== undefined) copy.responseHeaders = redactHeads(r.responseHeaders);
    if (r.requestHeaders !== undefined) copy.requestHeaders = redactHeads(r.requestHeaders);
    return copy;
  };
}

/** Whether redaction changed nothing (then the caller gets its own object back). */
function same(a: Result, b: Result): boolean {
  return (
    a.input === b.input &&
    a.url === b.url &&
    a.finalUrl === b.finalUrl &&
    a.name === b.name &&
    a.error?.message === b.error?.message &&
    a.redirects.every((h, i) => h === b.redirects[i]) &&
    a.failures.every((f, i) => f === b.failures[i])
  );
}

/** No error, no failure, no redirect, and no `@` or `"` in the strings a secret could hide in. */
function plainResult(r: Result): boolean {
  if (r.error !== null || r.failures.length > 0 || r.redirects.length > 0) return false;
  if (r.retried !== undefined) return false;
  // An input cut short (`…`) may have lost the `@` after its password (see redact-url.ts).
  if (r.input.includes('@') || r.input.includes('"') || r.input.endsWith('…')) return false;
  if (r.url?.includes('@')) return false;
  if (r.finalUrl?.includes('@')) return false;
  return r.name === undefined || !r.name.includes('@');
}

function skipSpace(text: string): number {
  let i = 0;
  while (i < text.length && text.charCodeAt(i) <= 32) i++;
  return i;
}

/** Every occurrence of each value (longest first) → `***`; one linear search per value. */
function replaceAll(text: string, values: readonly string[]): string {
  let out = text;
  for (const v of values) if (out.includes(v)) out = out.split(v).join(REDACTED);
  return out;
}

/** A failed header expectation on a sensitive header, as the engine words it: `header <name> …`. */
function isSensitiveHeaderFailure(text: string, names: ReadonlySet<string>): boolean {
  if (!text.startsWith('header ')) return false;
  const end = text.indexOf(' ', 7);
  return names.has(text.slice(7, end === -1 ? undefined : end).toLowerCase());
}

/** Every `"…"` (JSON-quoted) value in `text` → `"***"`; an unterminated one is masked to the end. */
function maskQuoted(text: string): string {
  const parts: string[] = [];
  let copied = 0;
  let i = text.indexOf('"');
  while (i !== -1) {
    let j = i + 1;
    while (j < text.length && text.charCodeAt(j) !== 34) j += text.charCodeAt(j) === 92 ? 2 : 1;
    parts.push(text.slice(copied, i), `"${REDACTED}"`);
    copied = Math.min(j + 1, text.length);
    i = copied < text.length ? text.indexOf('"', copied) : -1;
  }
  if (parts.length === 0) return text;
  parts.push(text.slice(copied));
  return parts.join('');
}

/**
 * The forms a value takes in our messages: as is, JSON-quoted without the quotes (a validation
 * message uses `quote()`), percent-decoded (a URL password), and cut at 60 characters as
 * `quote()` cuts — longest first, so a longer form is replaced before its prefix.
 */
function variants(values: readonly string[]): string[] {
  const all = new Set<string>();
  for (const v of values) {
    all.add(v);
    all.add(JSON.stringify(v).slice(1, -1));
    if (v.length > 60) {
      all.add(v.slice(0, 60));
      all.add(JSON.stringify(v.slice(0, 60)).slice(1, -1));
    }
  }
  return [...all].filter((v) => v.length >= MIN_SCRUBBED).sort((a, b) => b.length - a.length);
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
