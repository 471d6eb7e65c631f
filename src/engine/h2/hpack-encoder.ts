/**
 * The HPACK encoder (RFC 7541) for the requests we send on one HTTP/2 connection.
 *
 * It runs once per request, so it does the least work that still compresses well: a field found
 * whole in the static table is one octet; a field we sent before is one or two octets from the
 * dynamic table, found by name then value in two Maps (no key string built); everything else is a
 * literal.
 * Which literal is a policy per name:
 *
 * - with incremental indexing (§6.2.1) — fields that repeat across requests (`:authority`,
 *   `user-agent`, `accept`, user headers): sent once, then indexed. These literals are Huffman
 *   coded when that is shorter: they are encoded once per connection, so the cost is not per request.
 * - never indexed (§6.2.3) — `authorization`, `proxy-authorization`, `cookie`: §7.1.3, secrets
 *   must not sit in a table whose contents an attacker on a shared connection could probe, and an
 *   intermediary must keep them out of its own tables too.
 * - without indexing (§6.2.2) — `:path` and `content-length`, which differ per request: indexing
 *   them would only evict the fields that do repeat. Raw octets, no Huffman (per-request cost).
 *
 * Names are expected lower-case tokens, values validated (no CR, LF, NUL) by the session. Values
 * go out as UTF-8, as HTTP/1.1 requests send them (docs/http-features.md), so a target sends the
 * same octets on either protocol; sizes (§4.1) count those octets. (Node's own http2 client writes
 * latin1 and cuts every char above U+00FF to its low byte.)
 */
import { huffmanEncode, huffmanEncodedLength } from './hpack-huffman.js';
import { STATIC_LENGTH, STATIC_NAMES, STATIC_VALUES } from './hpack-static.js';

/** §4.2 / RFC 9113 §6.5.2: the table size both ends assume until SETTINGS say otherwise — and the most we want. */
const OUR_TABLE_SIZE = 4096;
/** §4.1. */
const ENTRY_OVERHEAD = 32;
const INITIAL_BUFFER = 1024;
const SHRINK_ABOVE = 64 * 1024;

/** Literal policy by name; any other name is indexable. */
const NOT_INDEXED = 1;
const NEVER_INDEXED = 2;
const POLICY = new Map<string, number>([
  [':path', NOT_INDEXED],
  ['content-length', NOT_INDEXED],
  ['authorization', NEVER_INDEXED],
  ['proxy-authorization', NEVER_INDEXED],
  ['cookie', NEVER_INDEXED],
]);

/** name → value → static index, for the entries that have a value. Two levels: no key string to build. */
const STATIC_PAIRS = new Map<string, Map<string, number>>();
/** name → lowest static index with that name. */
const STATIC_NAME_INDEX = new Map<string, number>();
for (let i = STATIC_LENGTH; i >= 1; i--) {
  const name = STATIC_NAMES[i - 1]!;
  STATIC_NAME_INDEX.set(name, i);
  if (STATIC_VALUES[i - 1] === '') continue;
  const values = STATIC_PAIRS.get(name) ?? new Map<string, number>();
  STATIC_PAIRS.set(name, values);
  values.set(STATIC_VALUES[i - 1]!, i);
}

/** Our encoder's dynamic table starts at 4096 (RFC 7541 §4.2, SETTINGS_HEADER_TABLE_SIZE default). */
export class HpackEncoder {
  /** The dynamic table's current maximum size, as the peer's decoder knows it. */
  private capacity = OUR_TABLE_SIZE;
  private size = 0;
  /** name → value → insertion number of the live entry. */
  private readonly entries = new Map<string, Map<string, number>>();
  /** Live entries oldest first from `queueHead`: names, values and sizes. */
  private queueNames: string[] = [];
  private queueValues: string[] = [];
  private queueSizes: number[] = [];
  private queueHead = 0;
  /** Insertion number the next entry gets. */
  private inserted = 0;
  /** Pending §6.3 updates: the smallest maximum since the last block and the final one; -1 none. */
  private pendingMin = -1;
  private pendingFinal = -1;
  private buf: Buffer = Buffer.allocUnsafe(INITIAL_BUFFER);
  private pos = 0;

  /**
   * The peer's SETTINGS_HEADER_TABLE_SIZE changed: the next block begins with a Dynamic Table
   * Size Update (§6.3) to min(our wish, size), evicting as §4.3 says.
   */
  setPeerTableSize(size: number): void {
    // A SETTINGS value is a 32-bit unsigned integer (RFC 9113 §6.5.1); the session parsed it so.
    if (!Number.isInteger(size) || size < 0)
      throw new RangeError(`HPACK table size must be an integer >= 0, got ${size}`);
    const next = Math.min(OUR_TABLE_SIZE, size);
    // §4.2: when the maximum changes more than once between two blocks, the smallest value must
    // be signalled too (the peer may have evicted down to it), then the final one.
    this.pendingMin = this.pendingMin === -1 ? next : Math.min(this.pendingMin, next);
    this.pendingFinal = next;
  }

  /**
   * One header list → one header block (the bytes for HEADERS + CONTINUATION payloads).
   * `fields` is flat: [name0, value0, name1, value1, …], names already lower-case, pseudo-header
   * fields first. Returns a new Buffer that belongs to the caller; with `headroom`, the block
   * starts that many (unset) octets into it, room for the caller's frame header.
   */
  encode(fields: readonly string[], headroom = 0): Buffer {
    this.pos = 0;
    if (this.pendingFinal !== -1) this.writeSizeUpdates();
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const name = fields[i]!;
      const value = fields[i + 1]!;
      // Worst case: a 6-octet integer before each string, one type octet, and the UTF-8 octets
      // (at most 3 per UTF-16 unit).
      this.ensure(16 + 3 * (name.length + value.length));
      const policy = POLICY.get(name);
      if (policy === undefined) {
        this.writeIndexable(name, value);
      } else if (policy === NOT_INDEXED) {
        // `:path: /` is in the static table; other paths are literals.
        const staticIndex = STATIC_PAIRS.get(name)?.get(value);
        if (staticIndex !== undefined) this.writeInt(0x80, 7, staticIndex);
        else this.writeLiteral(0x00, 4, name, value, false);
      } else {
        this.writeLiteral(0x10, 4, name, value, false);
      }
    }
    const block = Buffer.allocUnsafe(headroom + this.pos);
    this.buf.copy(block, headroom, 0, this.pos);
    // One huge request (a long cookie) must not pin its buffer for the connection's life.
    if (this.buf.length > SHRINK_ABOVE) this.buf = Buffer.allocUnsafe(INITIAL_BUFFER);
    return block;
  }

  private writeIndexable(name: string, value: string): void {
    const staticIndex = STATIC_PAIRS.get(name)?.get(value);
    if (staticIndex !== undefined) {
      this.writeInt(0x80, 7, staticIndex);
      return;
    }
    const insertion = this.entries.get(name)?.get(value);
    if (insertion !== undefined) {
      // §2.3.3: the newest entry is index 62, older ones follow.
      this.writeInt(0x80, 7, STATIC_LENGTH + this.inserted - insertion);
      return;
    }
    const entrySize = Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value, 'utf8') + ENTRY_OVERHEAD;
    // An entry over half the table would evict most of what repeats (and one over the whole
    // table empties it, §4.4): send such a field without indexing instead.
    if (entrySize * 2 > this.capacity) {
      this.writeLiteral(0x00, 4, name, value, false);
      return;
    }
    this.writeLiteral(0x40, 6, name, value, true);
    this.insert(name, value, entrySize);
  }

  /** §6.2: a literal field with the name from the static table when it is there. */
  private writeLiteral(pattern: number, prefixBits: number, name: string, value: string, huffman: boolean): void {
    const nameIndex = STATIC_NAME_INDEX.get(name);
    if (nameIndex !== undefined) {
      this.writeInt(pattern, prefixBits, nameIndex);
    } else {
      this.buf[this.pos++] = pattern;
      this.writeString(name, huffman);
    }
    this.writeString(value, huffman);
  }

  /** §5.2: a string literal, Huffman coded only when asked, ASCII (one char one octet) and shorter. */
  private writeString(s: string, huffman: boolean): void {
    if (huffman && Buffer.byteLength(s, 'utf8') === s.length) {
      const coded = huffmanEncodedLength(s);
      if (coded < s.length) {
        this.writeInt(0x80, 7, coded);
        this.pos = huffmanEncode(s, this.buf, this.pos);
        return;
      }
    }
    if (s.length * 3 < 0x7f) {
      // At most 126 octets: the length fits the 7-bit prefix, so write the text first, then its length.
      const n = this.buf.write(s, this.pos + 1, 'utf8');
      this.buf[this.pos] = n;
      this.pos += 1 + n;
      return;
    }
    this.writeInt(0x00, 7, Buffer.byteLength(s, 'utf8'));
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** §5.1: `value` with an N-bit prefix, the octet's high bits being `pattern`. */
  private writeInt(pattern: number, prefixBits: number, value: number): void {
    const max = (1 << prefixBits) - 1;
    if (value < max) {
      this.buf[this.pos++] = pattern | value;
      return;
    }
    this.buf[this.pos++] = pattern | max;
    let rest = value - max;
    while (rest >= 0x80) {
      this.buf[this.pos++] = (rest & 0x7f) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.buf[this.pos++] = rest;
  }

  private writeSizeUpdates(): void {
    const min = this.pendingMin;
    const final = this.pendingFinal;
    this.pendingMin = -1;
    this.pendingFinal = -1;
    if (min === final && final === this.capacity) return;
    this.ensure(16);
    if (min < final) {
      this.writeInt(0x20, 5, min);
      this.setCapacity(min);
    }
    this.writeInt(0x20, 5, final);
    this.setCapacity(final);
  }

  private setCapacity(capacity: number): void {
    this.capacity = capacity;
    this.evictTo(capacity);
  }

  private insert(name: string, value: string, entrySize: number): void {
    this.evictTo(this.capacity - entrySize);
    const values = this.entries.get(name);
    if (values === undefined) this.entries.set(name, new Map([[value, this.inserted++]]));
    else values.set(value, this.inserted++);
    this.queueNames.push(name);
    this.queueValues.push(value);
    this.queueSizes.push(entrySize);
    this.size += entrySize;
  }

  /** §4.3/§4.4: drop the oldest entries until the table holds at most `limit` octets. */
  private evictTo(limit: number): void {
    while (this.size > limit) {
      const name = this.queueNames[this.queueHead]!;
      const value = this.queueValues[this.queueHead]!;
      this.size -= this.queueSizes[this.queueHead]!;
      this.queueHead++;
      // The evicted entry's insertion number is inserted - (live count before this eviction).
      const evicted = this.inserted - (this.queueNames.length - this.queueHead) - 1;
      const values = this.entries.get(name);
      if (values?.get(value) === evicted) {
        values.delete(value);
        if (values.size === 0) this.entries.delete(name);
      }
    }
    if (this.queueHead > 256) {
      this.queueNames = this.queueNames.slice(this.queueHead);
      this.queueValues = this.queueValues.slice(this.queueHead);
      this.queueSizes = this.queueSizes.slice(this.queueHead);
      this.queueHead = 0;
    }
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.pos + extra, this.buf.length * 2));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
}
