import type { Result } from '../types.js';
import { REDACTED, type Redactor } from './redact.js';

/** As redact.ts's rule for secrets searched for in text: shorter ones would blank unrelated words. */
const MIN_MASKED = 4;

/**
 * Secrets known by value: what a target file read with `${env:NAME}`. The set is
 * live — a streamed list adds to it as its lines are read — and shared by the run's reports and
 * its stderr messages, which show every occurrence as `***`.
 *
 * Where: the strings of a result that can carry a value taken from a target (its URL, the
 * redirect and final URLs, the name, the error message and failures, where its body was saved);
 * never `input`, which holds the target as written (`${env:NAME}`, not the value), so a large
 * body is not scanned. Each string is searched with `includes` per value: linear in its length.
 * A value shorter than {@link MIN_MASKED} characters is not searched for (it would blank
 * unrelated text); nor is the empty string, which a target file may not read anyway.
 */
export type SecretValues = ReadonlySet<string>;

/** The forms a value takes in our text: as is, JSON-escaped (messages quote values), percent-encoded (URLs). */
function forms(secrets: SecretValues): string[] {
  const all = new Set<string>();
  for (const v of secrets) {
    if (v.length < MIN_MASKED) continue;
    all.add(v);
    all.add(JSON.stringify(v).slice(1, -1));
    for (const encode of [encodeURI, encodeURIComponent]) {
      try {
        all.add(encode(v));
      } catch {
        // A lone surrogate: no URL could carry it encoded.
      }
    }
    // `quote()` cuts what it shows at 60 characters.
    if (v.length > 60) all.add(JSON.stringify(v.slice(0, 60)).slice(1, -1));
  }
  // Longest first, so a form is replaced before a shorter one inside it.
  return [...all].filter((v) => v.length >= MIN_MASKED).sort((a, b) => b.length - a.length);
}

/** Masks the secret values in a text (a stderr message). */
export function maskSecrets(text: string, secrets: SecretValues): string {
  if (secrets.size === 0) return text;
  return maskWith(text, forms(secrets));
}

function maskWith(text: string, values: readonly string[]): string {
  let out = text;
  for (const v of values) if (out.includes(v)) out = out.split(v).join(REDACTED);
  return out;
}

/** `redact`, then the secret values masked in the strings of the result that can carry them. */
export function withSecretValues(redact: Redactor, secrets: SecretValues): Redactor {
  let size = -1;
  let values: string[] = [];
  return (r: Result): Result => {
    const shown = redact(r);
    if (secrets.size === 0) return shown;
    if (secrets.size !== size) {
      size = secrets.size;
      values = forms(secrets);
    }
    const mask = (text: string): string => maskWith(text, values);
    const texts = [
      shown.url,
      shown.finalUrl,
      shown.name,
      shown.error?.message,
      shown.savedTo,
      ...shown.failures,
      ...shown.redirects.map((h) => h.url),
    ];
    if (!texts.some((t) => typeof t === 'string' && values.some((v) => t.includes(v)))) return shown;
    const out: Result = {
      ...shown,
      url: shown.url === null ? null : mask(shown.url),
      finalUrl: shown.finalUrl === null ? null : mask(shown.finalUrl),
      redirects: shown.redirects.map((h) => ({ ...h, url: mask(h.url) })),
      error: shown.error === null ? null : { ...shown.error, message: mask(shown.error.message) },
      failures: shown.failures.map(mask),
      savedTo: shown.savedTo === null ? null : mask(shown.savedTo),
    };
    if (shown.name !== undefined) out.name = mask(shown.name);
    return out;
  };
}
