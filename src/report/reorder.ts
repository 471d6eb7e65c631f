/**
 * Turns completion order back into input order: items come in tagged with their 0-based index;
 * the contiguous prefix is handed to `emit` as soon as it is complete. Only items that arrived
 * ahead of a gap are held, so memory stays small when completion roughly follows input order
 * (one slow target holds back at most the results that finished while it ran).
 */
export class ReorderBuffer<T> {
  readonly #emit: (item: T, index: number) => void;
  readonly #held = new Map<number, T>();
  #next: number;

  constructor(emit: (item: T, index: number) => void, firstIndex = 0) {
    this.#emit = emit;
    this.#next = firstIndex;
  }

  /** Items waiting for an earlier index. */
  get held(): number {
    return this.#held.size;
  }

  push(index: number, item: T): void {
    if (index !== this.#next) {
      // An index already passed (a duplicate) cannot be put back in order; emit it rather than
      // lose it. Indexes are unique in practice: one result per target.
      if (index < this.#next || this.#held.has(index)) this.#emit(item, index);
      else this.#held.set(index, item);
      return;
    }
    this.#emit(item, index);
    this.#next++;
    for (let held = this.#held.get(this.#next); held !== undefined; held = this.#held.get(this.#next)) {
      this.#held.delete(this.#next);
      this.#emit(held, this.#next);
      this.#next++;
    }
  }

  /**
   * The run ended: emits what is still held, in index order, skipping the gaps (targets that
   * never reported, e.g. after a cancel that did not report them).
   */
  finish(): void {
    const rest = [...this.#held.keys()].sort((a, b) => a - b);
    for (const index of rest) {
      const item = this.#held.get(index) as T;
      this.#held.delete(index);
      this.#emit(item, index);
    }
  }
}
