/**
 * The HPACK decoder (RFC 7541) for the header blocks a server sends on one HTTP/2 connection.
 *
 * Push-fed like the HTTP/1 parser: the session calls `begin`, then `push` for the HEADERS and
 * each CONTINUATION fragment, then `end`. A field may be split at any octet between fragments.
 * The decoder is a small state machine over representation parts (first octet, integer
 * continuation, string length, string octets); the only bytes it keeps between fragments are
 * the decoded octets of the string literal being read, and never more than `maxListBytes + 64`
 * for the whole field: a longer literal is skipped as it arrives (Huffman ones are still decoded
 * to check them and count their length, which entry sizes are made of) and the block marked too
 * large. A raw literal's length prefix tells at once; a Huffman one is known when it decodes past
 * the limit.
 *
 * Strings are decoded as latin1 — one char per octet — so that `name.length + value.length` IS
 * the octet count that entry sizes (§4.1) and list sizes (RFC 9113 §6.5.2) are made of, and any
 * byte the server sent survives unchanged for the session to validate.
 */
import { HpackError } from './hpack-error.js';
import { HuffmanStream, huffmanDecode } from './hpack-huffman.js';
import { LiteralCache, MAX_OCTETS } from './hpack-literals.js';
import { STATIC_LENGTH, STATIC_NAMES, STATIC_VALUES } from './hpack-static.js';

export interface DecodedBlock {
  /** Flat [name, value, …] in order, pseudo-header fields included. Empty when tooLarge. */
  fields: string[];
  /** RFC 9113 §6.5.2 size of the whole list: Σ (name.length + value.length + 32), in octets. */
  size: number;
  /**
   * The list went over maxListBytes: fields were not kept, but the whole block WAS decoded so
   * the dynamic table stays in step with the server's (the connection goes on; the session
   * fails only this stream with `too_large`). Also set when a field reuses the name or value of
   * a table entry whose text was over the cap when it arrived and so was never stored.
   */
  tooLarge: boolean;
}

/** §4.1: an entry's size is its name and value octets plus 32. */
const ENTRY_OVERHEAD = 32;
/**
 * Octets over maxListBytes one field may hold while it is read. A field that fits the list has
 * name + value <= maxListBytes - 32, so this never skips one that fits; it only bounds the rest.
 */
const LITERAL_SLACK = 64;
/** §5.1 integers: more continuation octets than this is an attack, not an encoding. */
const MAX_INT_CONTINUATION = 10;
const MAX_INT = 0x7fffffff;

// Parser states.
const S_FIRST = 0; // the first octet of a representation
const S_INT = 1; // continuation octets of an integer
const S_STR_HEAD = 2; // the first octet of a string literal: H bit and length prefix
const S_STR = 3; // the octets of a string literal

// What the integer being read is.
const I_INDEX = 0; // §6.1 indexed field
const I_NAME_INDEX = 1; // §6.2 literal: name index, 0 = literal name follows
const I_SIZE = 2; // §6.3 dynamic table size update
const I_STR_LEN = 3; // §5.2 string length

/** Entry flags: its name / value was over the cap and skipped, so we hold no text for it. */
const POISON_NAME = 1;
const POISON_VALUE = 2;

/**
 * The dynamic table (§2.3.2) as a ring of entries, grown by doubling up to floor(max / 32) + 1
 * slots (an entry is at least 32 octets): a large advertised maximum costs memory only once the
 * server fills it. An entry whose name or
 * value was skipped (over the list cap) is kept with its exact size but no text ("poisoned"), so
 * eviction stays in step with the server; any later field using it is too large by construction.
 */
class DynamicTable {
  private names: string[] = [];
  private values: string[] = [];
  private sizes = new Int32Array(0);
  private nameLengths = new Int32Array(0);
  /** POISON_NAME | POISON_VALUE: which text was skipped. */
  private poisoned = new Uint8Array(0);
  private readonly maxSlots: number;
  /** Ring slot of the newest entry. */
  private head = 0;
  count = 0;
  size = 0;

  constructor(
    /** Current maximum size (§4.2), changed by size updates. */
    public capacity: number,
    maxCapacity: number,
  ) {
    this.maxSlots = Math.floor(maxCapacity / ENTRY_OVERHEAD) + 1;
    this.resize(Math.min(this.maxSlots, 64));
  }

  /** Re-lays the live entries oldest first into `slots` slots (the newest ends at count - 1). */
  private resize(slots: number): void {
    const names = new Array<string>(slots).fill('');
    const values = new Array<string>(slots).fill('');
    const sizes = new Int32Array(slots);
    const nameLengths = new Int32Array(slots);
    const poisoned = new Uint8Array(slots);
    for (let i = 0; i < this.count; i++) {
      const from = this.slot(this.count - 1 - i);
      names[i] = this.names[from]!;
      values[i] = this.values[from]!;
      sizes[i] = this.sizes[from]!;
      nameLengths[i] = this.nameLengths[from]!;
      poisoned[i] = this.poisoned[from]!;
    }
    this.names = names;
    this.values = values;
    this.sizes = sizes;
    this.nameLengths = nameLengths;
    this.poisoned = poisoned;
    this.head = this.count === 0 ? slots - 1 : this.count - 1;
  }

  /** Ring slot of dynamic index i (0 = newest); the caller checks i < count. */
  slot(i: number): number {
    const slots = this.sizes.length;
    const s = this.head - i;
    return s < 0 ? s + slots : s;
  }
  name(slot: number): string {
    return this.names[slot]!;
  }
  value(slot: number): string {
    return this.values[slot]!;
  }
  entrySize(slot: number): number {
    return this.sizes[slot]!;
  }
  nameLength(slot: number): number {
    return this.nameLengths[slot]!;
  }
  poison(slot: number): number {
    return this.poisoned[slot]!;
  }

  /** §4.4: evict until the new entry fits; an entry larger than the table empties it and is not added. */
  add(name: string, value: string, nameLength: number, size: number, poison: number): void {
    if (size > this.capacity) {
      this.evictTo(0);
      return;
    }
    this.evictTo(this.capacity - size);
    if (this.count === this.sizes.length) this.resize(Math.min(this.maxSlots, this.sizes.length * 2));
    const slots = this.sizes.length;
    this.head = this.head + 1 === slots ? 0 : this.head + 1;
    this.names[this.head] = name;
    this.values[this.head] = value;
    this.sizes[this.head] = size;
    this.nameLengths[this.head] = nameLength;
    this.poisoned[this.head] = poison;
    this.count++;
    this.size += size;
  }

  /** §4.3: a smaller maximum evicts from the oldest end. */
  setCapacity(capacity: number): void {
    this.capacity = capacity;
    this.evictTo(capacity);
  }

  private evictTo(limit: number): void {
    while (this.size > limit) {
      const oldest = this.slot(this.count - 1);
      this.size -= this.sizes[oldest]!;
      // Drop the strings so an evicted entry holds no memory.
      this.names[oldest] = '';
      this.values[oldest] = '';
      this.count--;
    }
  }
}

function asBuffer(fragment: Uint8Array): Buffer {
  return Buffer.isBuffer(fragment) ? fragment : Buffer.from(fragment.buffer, fragment.byteOffset, fragment.byteLength);
}

export class HpackDecoder {
  private readonly table: DynamicTable;
  private readonly huffman = new HuffmanStream();
  /** Holds the literal being read across fragments (raw octets, or Huffman output). */
  private scratch: Buffer = Buffer.allocUnsafe(256);
  /** Literals whose octets arrived whole in one fragment, decoded before (repeated response fields). */
  private readonly literals = new LiteralCache();

  // The block.
  private maxListBytes = 0;
  private fields: string[] = [];
  private listSize = 0;
  private tooLarge = false;
  /** A field was decoded in this block: a size update now is an error (§4.2). */
  private sawField = false;

  // The representation being read.
  private state = S_FIRST;
  /** true: §6.2.1 literal with incremental indexing (the field goes into the table). */
  private indexing = false;
  private intPurpose = I_INDEX;
  private intValue = 0;
  private intShift = 0;
  private intCount = 0;
  /** The string being read is the name (else the value). */
  private readingName = false;
  private name = '';
  private nameLength = 0;
  private namePoisoned = false;
  private strHuffman = false;
  /** Octets of the string literal still to come. */
  private strRemaining = 0;
  /** Octets (raw) or decoded octets (Huffman) stored in `scratch` so far. */
  private strStored = 0;
  /** The literal is over the cap: counted and checked, not stored. */
  private strSkipping = false;
  /** Decoded octets of this literal we are willing to store: the cap minus what the field holds. */
  private strLimit = 0;
  private strLength = 0;

  /** `maxTableSize`: the SETTINGS_HEADER_TABLE_SIZE we advertise (default 4096). */
  constructor(readonly maxTableSize = 4096) {
    // A SETTINGS value is a 32-bit unsigned integer (RFC 9113 §6.5.1).
    if (!Number.isInteger(maxTableSize) || maxTableSize < 0 || maxTableSize > 0xffffffff) {
      throw new RangeError(`HPACK table size must be an integer from 0 to 2^32 - 1, got ${maxTableSize}`);
    }
    this.table = new DynamicTable(maxTableSize, maxTableSize);
  }

  /** Starts one header block (HEADERS then CONTINUATION fragments). */
  begin(maxListBytes: number): void {
    this.maxListBytes = maxListBytes;
    this.fields = [];
    this.listSize = 0;
    this.tooLarge = false;
    this.sawField = false;
    this.state = S_FIRST;
  }

  /**
   * Feeds one fragment, `fragment[start, end)` (the whole of it by default: the session passes
   * a frame's range of a socket read, with no view made per block); may be called many times;
   * throws HpackError on malformed input.
   */
  push(fragment: Uint8Array, start = 0, end = fragment.length): void {
    const buf = asBuffer(fragment);
    let pos = start;
    while (pos < end) {
      switch (this.state) {
        case S_FIRST: {
          const b = buf[pos++]!;
          if (b >= 0x80) {
            this.startInt(b & 0x7f, 0x7f, I_INDEX);
          } else if (b >= 0x40) {
            this.indexing = true;
            this.startInt(b & 0x3f, 0x3f, I_NAME_INDEX);
          } else if (b >= 0x20) {
            this.startInt(b & 0x1f, 0x1f, I_SIZE);
          } else {
            // §6.2.2 without indexing (0000) and §6.2.3 never indexed (0001) decode alike; the
            // never-indexed promise binds intermediaries that re-encode, which we never do.
            this.indexing = false;
            this.startInt(b & 0x0f, 0x0f, I_NAME_INDEX);
          }
          break;
        }
        case S_INT: {
          const b = buf[pos++]!;
          if (++this.intCount > MAX_INT_CONTINUATION) {
            throw new HpackError(`integer with more than ${MAX_INT_CONTINUATION} continuation octets (RFC 7541 §5.1)`);
          }
          this.intValue += (b & 0x7f) * 2 ** this.intShift;
          this.intShift += 7;
          if (this.intValue > MAX_INT) throw new HpackError('integer over 2^31 - 1 (RFC 7541 §5.1)');
          if (b < 0x80) this.onInt(this.intValue);
          break;
        }
        case S_STR_HEAD: {
          const b = buf[pos++]!;
          this.strHuffman = b >= 0x80;
          this.startInt(b & 0x7f, 0x7f, I_STR_LEN);
          // Fast path: the whole literal is in this fragment — decode it in place, no copy.
          // (startInt may have moved the state on; `as number` undoes the switch's narrowing.)
          // A Huffman literal takes it only when even its longest decoding fits the store limit.
          if (
            (this.state as number) === S_STR &&
            !this.strSkipping &&
            end - pos >= this.strRemaining &&
            (!this.strHuffman || Math.ceil((this.strRemaining * 8) / 5) <= this.strLimit)
          ) {
            const len = this.strRemaining;
            const cacheable = len <= MAX_OCTETS;
            let text = cacheable ? this.literals.get(buf, pos, len, this.strHuffman) : null;
            if (text === null) {
              if (this.strHuffman) {
                const n = huffmanDecode(buf, pos, pos + len, this.scratch, 0);
                text = this.scratch.toString('latin1', 0, n);
              } else {
                text = buf.toString('latin1', pos, pos + len);
              }
              if (cacheable) this.literals.set(buf, pos, len, this.strHuffman, text);
            }
            pos += len;
            this.strRemaining = 0;
            this.onString(text, text.length);
          }
          break;
        }
        case S_STR: {
          const n = Math.min(end - pos, this.strRemaining);
          if (this.strHuffman) {
            this.huffman.push(buf, pos, pos + n, this.strSkipping ? null : this.scratch, this.strLimit);
          } else if (!this.strSkipping) {
            buf.copy(this.scratch, this.strStored, pos, pos + n);
            this.strStored += n;
          }
          pos += n;
          this.strRemaining -= n;
          if (this.strRemaining === 0) this.finishString();
          break;
        }
      }
    }
  }

  /** The block ended (END_HEADERS): throws HpackError if a field is cut off. */
  end(): DecodedBlock {
    if (this.state !== S_FIRST) throw new HpackError('header block ends inside a field representation (RFC 7541 §3.1)');
    const block: DecodedBlock = { fields: this.fields, size: this.listSize, tooLarge: this.tooLarge };
    this.fields = [];
    return block;
  }

  /** The dynamic table, newest first, as [name, value, size] — for tests and diagnostics. */
  dynamicTable(): Array<[string, string, number]> {
    const out: Array<[string, string, number]> = [];
    for (let i = 0; i < this.table.count; i++) {
      const s = this.table.slot(i);
      out.push([this.table.name(s), this.table.value(s), this.table.entrySize(s)]);
    }
    return out;
  }

  /** Current size of the dynamic table in octets (§4.1). */
  get dynamicTableSize(): number {
    return this.table.size;
  }

  /** §5.1: the prefix already holds the value unless all its bits are ones. */
  private startInt(prefixValue: number, mask: number, purpose: number): void {
    this.intPurpose = purpose;
    if (prefixValue < mask) {
      this.onInt(prefixValue);
      return;
    }
    this.intValue = mask;
    this.intShift = 0;
    this.intCount = 0;
    this.state = S_INT;
  }

  private onInt(value: number): void {
    switch (this.intPurpose) {
      case I_INDEX:
        this.indexedField(value);
        this.state = S_FIRST;
        return;
      case I_NAME_INDEX:
        if (value === 0) {
          this.readingName = true;
        } else {
          this.nameFromIndex(value);
          this.readingName = false;
        }
        this.state = S_STR_HEAD;
        return;
      case I_SIZE:
        this.sizeUpdate(value);
        this.state = S_FIRST;
        return;
      default:
        this.startString(value);
    }
  }

  private startString(length: number): void {
    // What this field already holds counts against the cap too (a kept name, then its value).
    const held = this.readingName ? 0 : this.nameLength;
    const limit = this.maxListBytes + LITERAL_SLACK - held;
    this.strLimit = limit;
    // A raw literal decodes to its length; a Huffman one to at least length * 8 / 30 octets (the
    // longest code is 30 bits): either way we may know now that it cannot fit.
    this.strSkipping = this.strHuffman ? Math.floor((length * 8) / 30) > limit : length > limit;
    if (this.strSkipping) this.markTooLarge();
    this.strRemaining = length;
    this.strLength = length;
    this.strStored = 0;
    if (this.strHuffman) {
      this.huffman.reset();
      // At most length * 8 / 5 octets (the shortest code is 5 bits), and we store at most `limit`.
      if (!this.strSkipping) this.ensureScratch(Math.min(Math.ceil((length * 8) / 5), limit));
    } else if (!this.strSkipping) {
      this.ensureScratch(length);
    }
    if (length === 0) {
      this.finishString();
      return;
    }
    this.state = S_STR;
  }

  private finishString(): void {
    let text = '';
    let length: number;
    if (this.strHuffman) {
      this.huffman.finish();
      length = this.huffman.length;
      // It decoded to more than we store: only its length was kept (HuffmanStream stops writing).
      if (!this.strSkipping && length > this.strLimit) {
        this.strSkipping = true;
        this.markTooLarge();
      }
      if (!this.strSkipping) text = this.scratch.toString('latin1', 0, length);
    } else {
      // A skipped raw literal's length is its length prefix: we kept no octets to count.
      length = this.strSkipping ? this.strLength : this.strStored;
      if (!this.strSkipping) text = this.scratch.toString('latin1', 0, length);
    }
    this.onString(text, length);
  }

  private onString(text: string, length: number): void {
    const skipped = this.strSkipping;
    this.strSkipping = false;
    if (this.readingName) {
      this.name = text;
      this.nameLength = length;
      this.namePoisoned = skipped;
      this.readingName = false;
      this.state = S_STR_HEAD;
      return;
    }
    this.state = S_FIRST;
    const poison = (this.namePoisoned ? POISON_NAME : 0) | (skipped ? POISON_VALUE : 0);
    const size = this.nameLength + length + ENTRY_OVERHEAD;
    this.addField(this.name, text, size, poison !== 0);
    if (this.indexing) this.table.add(this.name, text, this.nameLength, size, poison);
    this.nameLength = 0;
  }

  private indexedField(index: number): void {
    if (index === 0) throw new HpackError('indexed field with index 0 (RFC 7541 §6.1)');
    if (index <= STATIC_LENGTH) {
      const name = STATIC_NAMES[index - 1]!;
      const value = STATIC_VALUES[index - 1]!;
      this.addField(name, value, name.length + value.length + ENTRY_OVERHEAD, false);
      return;
    }
    const i = index - STATIC_LENGTH - 1;
    if (i >= this.table.count) throw new HpackError(`index ${index} is past the end of the table (RFC 7541 §2.3.3)`);
    const s = this.table.slot(i);
    this.addField(this.table.name(s), this.table.value(s), this.table.entrySize(s), this.table.poison(s) !== 0);
  }

  private nameFromIndex(index: number): void {
    if (index <= STATIC_LENGTH) {
      this.name = STATIC_NAMES[index - 1]!;
      this.nameLength = this.name.length;
      this.namePoisoned = false;
      return;
    }
    const i = index - STATIC_LENGTH - 1;
    if (i >= this.table.count)
      throw new HpackError(`name index ${index} is past the end of the table (RFC 7541 §2.3.3)`);
    const s = this.table.slot(i);
    this.name = this.table.name(s);
    this.nameLength = this.table.nameLength(s);
    // Only a skipped NAME taints a field that reuses the entry's name; a skipped value does not.
    this.namePoisoned = (this.table.poison(s) & POISON_NAME) !== 0;
  }

  private sizeUpdate(size: number): void {
    if (this.sawField) throw new HpackError('dynamic table size update after a field (RFC 7541 §4.2)');
    if (size > this.maxTableSize) {
      throw new HpackError(
        `dynamic table size update to ${size}, above the ${this.maxTableSize} we allow (RFC 7541 §6.3)`,
      );
    }
    this.table.setCapacity(size);
  }

  /** Counts every field, stores it only while the list is within the cap (sizes before storing). */
  private addField(name: string, value: string, size: number, poisoned: boolean): void {
    this.sawField = true;
    this.listSize += size;
    if (poisoned || this.listSize > this.maxListBytes) this.markTooLarge();
    if (!this.tooLarge) this.fields.push(name, value);
  }

  private markTooLarge(): void {
    if (this.tooLarge) return;
    this.tooLarge = true;
    this.fields = [];
  }

  /** Grows by doubling (few reallocations) but never past what the cap lets one literal need. */
  private ensureScratch(size: number): void {
    if (this.scratch.length >= size) return;
    const bound = this.maxListBytes + LITERAL_SLACK;
    this.scratch = Buffer.allocUnsafe(Math.max(size, Math.min(this.scratch.length * 2, bound)));
  }
}
