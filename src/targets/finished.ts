/**
 * The targets a previous run finished (`--resume FILE`): their indexes and a 32-bit hash of the
 * input each result recorded. A hash rather than the text keeps 8 bytes per target, so a resume
 * file of tens of millions of results fits; the check it serves — "is this still the same
 * list?" — fails on a changed list at its first changed target with odds of 1 in 2³² of
 * missing that one target, and a changed list rarely changes one target only.
 *
 * Held as one sorted BigUint64Array of `index << 32 | hash`; lookups must come in ascending
 * index order (the list is read in order), so each is O(1) amortized with a cursor.
 */
export class FinishedTargets {
  readonly #keys: BigUint64Array;
  #cursor = 0;

  constructor(keys: BigUint64Array) {
    this.#keys = keys.sort();
  }

  /** Finished targets in the file (an index counted once). */
  get size(): number {
    let n = 0;
    for (let i = 0; i < this.#keys.length; i++) if (i === 0 || this.#keys[i]! >> 32n !== this.#keys[i - 1]! >> 32n) n++;
    return n;
  }

  /** The highest finished index, or -1. */
  get highest(): number {
    const last = this.#keys[this.#keys.length - 1];
    return last === undefined ? -1 : Number(last >> 32n);
  }

  /** The input hash recorded for `index`, or null when it did not finish. Ascending calls only. */
  lookup(index: number): number | null {
    const want = BigInt(index);
    while (this.#cursor < this.#keys.length && this.#keys[this.#cursor]! >> 32n < want) this.#cursor++;
    const key = this.#keys[this.#cursor];
    return key !== undefined && key >> 32n === want ? Number(key & 0xffffffffn) : null;
  }
}

/** FNV-1a over the UTF-16 units of `input`, 32 bits. */
export function inputHash(input: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < input.length; i++) {
    h ^= input.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
