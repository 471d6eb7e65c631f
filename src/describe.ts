/**
 * Small helpers for one-line validation messages. Every invalid-target reason and usage error in
 * this folder names the field and shows the offending value, so a user with a million targets can
 * fix the one that failed without reading code.
 */
import { escapeJsonControls } from './controls.js';

/**
 * Shows user text inside a message: JSON-quoted and cut short, so a message stays one line and
 * no control character reaches a terminal. JSON escapes C0 (CR, LF, ESC…); DEL and the C1
 * controls (U+0080–U+009F, e.g. U+009B, an 8-bit CSI) are escaped here too.
 */
export function quote(text: string, max = 60): string {
  return escapeJsonControls(JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text));
}

/** Names a value's type and shows it, for "must be X, got Y" messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return `string ${quote(value)}`;
    case 'number':
    case 'boolean':
    case 'bigint':
      return `${typeof value} ${String(value)}`;
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

/** A JSON object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The first key of `obj` not in `allowed`, as a message with a "did you mean" hint. Unknown
 * fields are rejected rather than ignored because a typo (`"bdy"`) would otherwise silently send
 * a request without a body.
 */
export function unknownFieldError(
  obj: Record<string, unknown>,
  allowed: ReadonlySet<string>,
  prefix = '',
): string | null {
  for (const key in obj) {
    if (!Object.hasOwn(obj, key) || allowed.has(key)) continue;
    const near = closest(key, allowed);
    return `unknown field ${quote(prefix + key)}${near === null ? '' : ` (did you mean ${quote(prefix + near)}?)`}`;
  }
  return null;
}

/** The candidate within edit distance 2 of `word` (case-insensitive), if any. */
export function closest(word: string, candidates: ReadonlySet<string>): string | null {
  const w = word.toLowerCase();
  let best: string | null = null;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = editDistance(w, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 3;
}
