import { readResults } from '../merge/read-results.js';
import type { Result } from '../types.js';
import { changeOf, identityKey } from './identity.js';

/** One baseline file (or stdin, read once): opened for loading, and again to list gone targets. */
export interface BaselineInput {
  label: string;
  open(): NodeJS.ReadableStream;
}

const FAILED = 1;
const SEEN = 2;

/**
 * An earlier run's results, as `--baseline` and `diff` compare against them: per target
 * identity (see identity.ts) whether it failed. Held as a sorted BigUint64Array of 64-bit
 * identity keys and a byte of flags each — 9 bytes a target, so a baseline of a million results
 * takes 9 MiB whatever its URLs, and a lookup is a binary search. The result lines are not kept:
 * the targets this run does not have (`gone`) are found by reading the files again at the end.
 *
 * A target that appears more than once (a list with a duplicate line, shards of one list) is one
 * identity: it counts as failed when any of its results failed. `cancelled` results say nothing
 * of the target (it was not checked) and lines marked `gone` by an earlier comparison were not
 * results of that run: both are skipped.
 */
export class Baseline {
  readonly #keys: BigUint64Array;
  readonly #flags: Uint8Array;
  readonly #inputs: readonly BaselineInput[];

  private constructor(keys: BigUint64Array, flags: Uint8Array, inputs: readonly BaselineInput[]) {
    this.#keys = keys;
    this.#flags = flags;
    this.#inputs = inputs;
  }

  /** Distinct target identities in the baseline. */
  get size(): number {
    return this.#keys.length;
  }

  /**
   * Reads every input whole, strictly (a malformed line throws a ResultFileError naming file and
   * line), one at a time.
   */
  static async load(inputs: readonly BaselineInput[], signal?: AbortSignal): Promise<Baseline> {
    // Key with its lowest bit standing for "failed": one sort brings duplicates together.
    let raw = new BigUint64Array(1024);
    let n = 0;
    for (const input of inputs) {
      for await (const batch of readResults(input.open(), input.label)) {
        if (signal?.aborted) throw signal.reason;
        for (const { result } of batch) {
          if (!counts(result)) continue;
          if (n === raw.length) {
            const grown = new BigUint64Array(raw.length * 2);
            grown.set(raw);
            raw = grown;
          }
          raw[n++] = (identityKey(result) & ~1n) | (result.ok ? 0n : 1n);
        }
      }
    }
    const sorted = raw.subarray(0, n).sort();
    let distinct = 0;
    for (let i = 0; i < n; i++) if (i === 0 || sorted[i]! >> 1n !== sorted[i - 1]! >> 1n) distinct++;
    const keys = new BigUint64Array(distinct);
    const flags = new Uint8Array(distinct);
    let at = -1;
    for (let i = 0; i < n; i++) {
      const k = sorted[i]!;
      if (at === -1 || k >> 1n !== keys[at]! >> 1n) keys[++at] = k & ~1n;
      if ((k & 1n) === 1n) flags[at]! |= FAILED;
    }
    return new Baseline(keys, flags, inputs);
  }

  /** A new round of `--every`: every target may be seen (or gone) again. */
  beginRound(): void {
    for (let i = 0; i < this.#flags.length; i++) this.#flags[i]! &= ~SEEN;
  }

  /** The result's `change` against the baseline; marks its target seen (so it is not `gone`). */
  compare(r: Result): 'new-failure' | 'still-failing' | 'fixed' | 'ok' | 'new' {
    const at = this.#find(identityKey(r) & ~1n);
    if (at === -1) return changeOf(null, r.ok);
    this.#flags[at]! |= SEEN;
    return changeOf((this.#flags[at]! & FAILED) !== 0 ? 'failed' : 'ok', r.ok);
  }

  /**
   * The baseline's results whose target no compared result had, each once (the first line of
   * it), marked `change: "gone"`, in file order. Reads the inputs again; call once, at the end.
   */
  async *gone(signal?: AbortSignal): AsyncGenerator<Result[]> {
    for (const input of this.#inputs) {
      for await (const batch of readResults(input.open(), input.label)) {
        if (signal?.aborted) return;
        const out: Result[] = [];
        for (const { result } of batch) {
          if (!counts(result)) continue;
          const at = this.#find(identityKey(result) & ~1n);
          if (at === -1 || (this.#flags[at]! & SEEN) !== 0) continue;
          this.#flags[at]! |= SEEN;
          const { change: _, ...rest } = result;
          out.push({ ...rest, change: 'gone' });
        }
        if (out.length > 0) yield out;
      }
    }
  }

  #find(key: bigint): number {
    let lo = 0;
    let hi = this.#keys.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const k = this.#keys[mid]!;
      if (k === key) return mid;
      if (k < key) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}

/** Whether a baseline line says anything of its target (see {@link Baseline}). */
function counts(r: Result): boolean {
  return r.error?.code !== 'cancelled' && r.change !== 'gone';
}
