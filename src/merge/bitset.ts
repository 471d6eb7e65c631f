/**
 * A set of non-negative integers as bits, growing as larger ones arrive: one bit per index up to
 * the largest seen, so a million indexes cost 125 KiB whatever order they come in.
 */
export class BitSet {
  #bits = new Uint8Array(1024);
  /** One more than the largest member; 0 when empty. */
  #end = 0;

  get end(): number {
    return this.#end;
  }

  has(n: number): boolean {
    const byte = n >>> 3;
    return byte < this.#bits.length && ((this.#bits[byte] ?? 0) & (1 << (n & 7))) !== 0;
  }

  add(n: number): void {
    const byte = Math.floor(n / 8);
    if (byte >= this.#bits.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.#bits.length * 2));
      grown.set(this.#bits);
      this.#bits = grown;
    }
    this.#bits[byte] = (this.#bits[byte] ?? 0) | (1 << (n % 8));
    if (n >= this.#end) this.#end = n + 1;
  }

  /** How many of 0 … end-1 are not members, and the first `keep` of them. */
  gaps(end: number, keep: number): { count: number; first: number[] } {
    let count = 0;
    const first: number[] = [];
    for (let byte = 0; byte * 8 < end; byte++) {
      const bits = this.#bits[byte] ?? 0;
      if (bits === 0xff && byte * 8 + 8 <= end) continue;
      for (let n = byte * 8; n < Math.min(end, byte * 8 + 8); n++) {
        if ((bits & (1 << (n & 7))) === 0) {
          count++;
          if (first.length < keep) first.push(n);
        }
      }
    }
    return { count, first };
  }
}
