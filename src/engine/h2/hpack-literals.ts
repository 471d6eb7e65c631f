/**
 * A small cache from a string literal's encoded octets to its decoded text, for one HPACK
 * decoder (one connection).
 *
 * Servers send many response fields as literals on every response even when they repeat: nginx,
 * for one, sends `server`, `date`, `content-type` and `content-length` as literals (with
 * incremental indexing, but as new literals each time, never by index). Decoding them again —
 * Huffman, then a new string — is per-response work and garbage; the same octets always decode to
 * the same text, so a hit returns the string decoded before. Keyed by the exact octets and the
 * Huffman bit, compared in full: a hit is exactly what decoding would have produced, errors
 * included (an octet sequence that failed to decode was never stored).
 *
 * Direct-mapped, SLOTS entries of up to MAX_OCTETS octets each, in one buffer made on first use:
 * a miss costs a hash, a compare and a copy into its slot, never an allocation.
 */

/** Entries; a power of two. */
const SLOTS = 32;
/** Longer literals (cookies, long URLs) are decoded every time: they rarely repeat whole. */
export const MAX_OCTETS = 48;

export class LiteralCache {
  private keys: Buffer | null = null;
  /** Octets of each slot's key; -1: empty. Bit 8 set: the literal was Huffman coded. */
  private readonly lengths = new Int16Array(SLOTS).fill(-1);
  private readonly texts: string[] = new Array<string>(SLOTS).fill('');
  /** The slot `get` looked at last, where `set` stores on a miss. */
  private slot = 0;

  /**
   * The text cached for `buf[start, start + length)` (`huffman`: the literal's H bit), or null;
   * `length` must be at most MAX_OCTETS. A null leaves the slot for {@link set}.
   */
  get(buf: Uint8Array, start: number, length: number, huffman: boolean): string | null {
    const key = huffman ? length | 0x100 : length;
    let h = key;
    for (let i = start, end = start + length; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
    const slot = (h ^ (h >>> 15)) & (SLOTS - 1);
    this.slot = slot;
    if (this.lengths[slot] !== key) return null;
    const keys = this.keys!;
    for (let i = 0, at = slot * MAX_OCTETS; i < length; i++) if (keys[at + i] !== buf[start + i]) return null;
    return this.texts[slot]!;
  }

  /** Stores `text` as the decoding of the literal the last {@link get} missed. */
  set(buf: Uint8Array, start: number, length: number, huffman: boolean, text: string): void {
    let keys = this.keys;
    if (keys === null) {
      keys = Buffer.allocUnsafe(SLOTS * MAX_OCTETS);
      this.keys = keys;
    }
    const slot = this.slot;
    for (let i = 0, at = slot * MAX_OCTETS; i < length; i++) keys[at + i] = buf[start + i]!;
    this.lengths[slot] = huffman ? length | 0x100 : length;
    this.texts[slot] = text;
  }
}
