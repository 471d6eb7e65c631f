import { createHash } from 'node:crypto';
import type { Result } from '../types.js';

/**
 * A target's identity across runs: its method, its request URL as the results file wrote it
 * (`url`: normalized and redacted, before any redirect — a redirect's destination may change
 * between runs, and that is a change to report, not a new target), and the digest of the body
 * it sent. Not its position: lists gain and lose lines between runs. An invalid target has no
 * URL; its input (as written) stands in.
 */
export function identityOf(r: Result): string {
  const where = r.url ?? `invalid:${r.input}`;
  return r.requestBodySha256 === undefined ? `${r.method} ${where}` : `${r.method} ${where} ${r.requestBodySha256}`;
}

/**
 * The identity as 64 bits (the first 8 bytes of its SHA-256), the form the baseline and the
 * state keep: 8 bytes a target whatever its URL's length. Two of a million identities share a
 * key with odds of about 1 in 36 million (n²/2⁶⁵).
 */
export function identityKey(r: Result): bigint {
  return createHash('sha256').update(identityOf(r)).digest().readBigUInt64BE(0);
}

/** What a baseline says of a result: whether the target failed, else ok (`change` is computed from it). */
export function changeOf(
  before: 'ok' | 'failed' | null,
  ok: boolean,
): 'new-failure' | 'still-failing' | 'fixed' | 'ok' | 'new' {
  if (before === null) return 'new';
  if (before === 'ok') return ok ? 'ok' : 'new-failure';
  return ok ? 'fixed' : 'still-failing';
}
