import type { HeaderPair, Result } from '../types.js';

/**
 * Secrets never appear in a report (issue 9, item 5): the values of credential headers, and the
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
 * What is redacted, in every string of the Result (input, name, url, finalUrl, redirect URLs,
 * error message, failures):
 * - in `input` given as a JSON object: the values of the sensitive headers under `headers` (and
 *   under `expect.header`), whatever their case;
 * - the password of any `scheme://user:pass@` URL, and of a shorthand `user:pass@host` input;
 * - every other occurrence of a value found that way (a validation message quoting it), and of
 *   the values given on the command line (`-H 'Cookie: …'`), when at least
 *   {@link MIN_SCRUBBED} characters long: shorter ones would blank out unrelated text;
 * - in a failed header expectation on a sensitive header, the quoted values;
 * - in `responseHeaders` and `requestHeaders` (-i, -v): the values of the sensitive names, and URL
 *   passwords and run-wide secret values in any other value.
 */
export const DEFAULT_REDACTED_HEADERS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
];

export const REDACTED = '***';

/** Shorter secret values are redacted where structure says where they are, not searched for in text. */
export const MIN_SCRUBBED = 4;

export interface RedactOptions {
  /** Extra header names (`--redact-header`), any case; added to {@link DEFAULT_REDACTED_HEADERS}. */
  headers?: readonly string[];
  /** Secret values known up front: the run-wide headers' values for the names above. */
  values?: readonly string[];
}

/** `scheme://user:pass@` — the password is group 2. */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:"'<>]*):([^\s/?#@"'<>]*)@/gi;
const URL_PASSWORD_TEST = /:\/\/[^\s/?#@:"'<>]*:[^\s/?#@"'<>]*@/;
/** A whole shorthand input `user:pass@host…` (no scheme). */
const SHORTHAND_PASSWORD = /^(\s*[^\s/?#@:"]+):([^\s/?#@"]*)@/;

export type Redactor = (r: Result) => Result;

export function createRedactor(opts: RedactOptions = {}): Redactor {
  const names = new Set([...DEFAULT_REDACTED_HEADERS, ...(opts.headers ?? []).map((h) => h.toLowerCase())]);
  const global = (opts.values ?? []).filter((v) => v.length >= MIN_SCRUBBED);
  const nameAlternation = [...names].map(escapeRegExp).join('|');
  /** A sensitive name as a JSON key, then its value (string or bare scalar). */
  // A string or a bare scalar; an object or array value (an invalid target anyway) is left whole
  // rather than cut in the middle, which would unbalance the JSON text.
  const jsonPair = new RegExp(
    `("(?:${nameAlternation})"\\s*:\\s*)("(?:[^"\\\\]|\\\\.)*"|[^,}\\]\\s{[][^,}\\]\\s]*)`,
    'gi',
  );
  const nameTest = new RegExp(`"(?:${nameAlternation})"\\s*:`, 'i');
  /** A failed header expectation, as the engine words it: `header <name> …`. */
  const failedHeader = new RegExp(`^header (?:${nameAlternation})\\b`, 'i');

  const inputSecrets = (input: string, found: string[]): string => {
    let text = input;
    if (nameTest.test(text)) {
      text = text.replace(jsonPair, (_m, key: string, value: string) => {
        let raw = value;
        if (value.startsWith('"')) {
          try {
            raw = JSON.parse(value) as string;
          } catch {
            raw = value.slice(1, -1);
          }
        }
        if (raw !== REDACTED) found.push(raw);
        return `${key}"${REDACTED}"`;
      });
    }
    const short = SHORTHAND_PASSWORD.exec(text);
    if (short !== null && short[2] !== REDACTED) {
      found.push(short[2] ?? '');
      text = text.replace(SHORTHAND_PASSWORD, `$1:${REDACTED}@`);
    }
    return text;
  };

  const redactResult = (r: Result): Result => {
    // Every secret we find by shape needs an `@` (a URL's or a shorthand's user info) or a `"`
    // (a header in a JSON input), and a failed expectation or an error may quote one: a plain
    // successful result with neither is shown as it is, without the regex passes below (which
    // cost ~1 µs a result on a 10k run's profile).
    if (global.length === 0 && plainResult(r)) return r;
    const found: string[] = [];
    const input = inputSecrets(r.input, found);
    for (const m of input.matchAll(URL_PASSWORD)) {
      if (m[2] !== undefined && m[2] !== REDACTED) found.push(m[2], decodeSafe(m[2]));
    }
    const values = [...global, ...variants(found.filter((v) => v.length >= MIN_SCRUBBED))];
    if (input === r.input && !mayHoldSecret(r, failedHeader) && !mentionsAny(r, values)) return r;

    const scrub = (text: string): string => {
      let out = URL_PASSWORD_TEST.test(text) ? text.replace(URL_PASSWORD, `$1:${REDACTED}@`) : text;
      for (const v of values) if (out.includes(v)) out = out.split(v).join(REDACTED);
      return out;
    };
    const scrubFailure = (text: string): string =>
      failedHeader.test(text) ? scrub(text).replace(/"(?:[^"\\]|\\.)*"/g, `"${REDACTED}"`) : scrub(text);

    const out: Result = {
      ...r,
      input: scrub(input),
      url: r.url === null ? null : scrub(r.url),
      finalUrl: r.finalUrl === null ? null : scrub(r.finalUrl),
      redirects: r.redirects.map((h) => ({ ...h, url: scrub(h.url) })),
      error: r.error === null ? null : { ...r.error, message: scrub(r.error.message) },
      failures: r.failures.map(scrubFailure),
    };
    if (r.name !== undefined) out.name = scrub(r.name);
    return out;
  };

  /** A header list as reports show it: the values of sensitive names as ***, URL passwords hidden. */
  const redactHeads = (pairs: HeaderPair[]): HeaderPair[] =>
    pairs.map(([name, value]): HeaderPair => {
      if (names.has(name.toLowerCase())) return [name, REDACTED];
      let out = URL_PASSWORD_TEST.test(value) ? value.replace(URL_PASSWORD, `$1:${REDACTED}@`) : value;
      for (const v of global) if (out.includes(v)) out = out.split(v).join(REDACTED);
      return [name, out];
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

/** No error, no failure, no redirect, and no `@` or `"` in the strings a secret could hide in. */
function plainResult(r: Result): boolean {
  if (r.error !== null || r.failures.length > 0 || r.redirects.length > 0) return false;
  if (r.input.includes('@') || r.input.includes('"')) return false;
  if (r.url?.includes('@')) return false;
  if (r.finalUrl?.includes('@')) return false;
  return r.name === undefined || !r.name.includes('@');
}

/** Whether any string of `r` holds one of `values` (cheap: most runs have no value to look for). */
function mentionsAny(r: Result, values: readonly string[]): boolean {
  if (values.length === 0) return false;
  const texts = [r.input, r.url, r.finalUrl, r.name, r.error?.message, ...r.failures, ...r.redirects.map((h) => h.url)];
  return texts.some((t) => t !== undefined && t !== null && values.some((v) => t.includes(v)));
}

/** Whether anything in `r` other than its input could hold a secret we find by shape. */
function mayHoldSecret(r: Result, failedHeader: RegExp): boolean {
  if (r.error !== null && URL_PASSWORD_TEST.test(r.error.message)) return true;
  if (r.finalUrl !== null && URL_PASSWORD_TEST.test(r.finalUrl)) return true;
  if (r.url !== null && URL_PASSWORD_TEST.test(r.url)) return true;
  if (r.name !== undefined && URL_PASSWORD_TEST.test(r.name)) return true;
  for (const h of r.redirects) if (URL_PASSWORD_TEST.test(h.url)) return true;
  for (const f of r.failures) if (failedHeader.test(f) || URL_PASSWORD_TEST.test(f)) return true;
  return false;
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

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
