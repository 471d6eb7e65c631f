import type { Change } from '../types.js';

/** Results by their `change` against a baseline (see {@link Summary.changes}). */
export type ChangeCounts = Record<Change, number>;

export const noChanges = (): ChangeCounts => ({
  'new-failure': 0,
  'still-failing': 0,
  fixed: 0,
  ok: 0,
  new: 0,
  gone: 0,
});

const WORDS: ReadonlyArray<readonly [Change, string, string]> = [
  ['new-failure', 'new failure', 'new failures'],
  ['still-failing', 'still failing', 'still failing'],
  ['fixed', 'fixed', 'fixed'],
  ['new', 'new', 'new'],
  ['gone', 'gone', 'gone'],
];

/**
 * `1 new failure, 2 still failing, 1 fixed, 3 new, 1 gone` — the counts that are not zero, in
 * that order (unchanged ok results go unsaid); `no change` when every target is as it was.
 */
export function formatChanges(c: ChangeCounts): string {
  const parts = WORDS.filter(([k]) => c[k] > 0).map(([k, one, many]) => `${c[k]} ${c[k] === 1 ? one : many}`);
  return parts.length === 0 ? 'no change' : parts.join(', ');
}
