/**
 * The static Huffman code of HPACK string literals (RFC 7541 §5.2, Appendix B).
 *
 * `HUFFMAN_CODES` / `HUFFMAN_LENGTHS` are Appendix B transcribed: for symbol 0..255 and EOS (256),
 * the code right-aligned ("code as hex aligned to LSB") and its length in bits. Everything else
 * is derived from them once at load:
 *
 * - the decoder is a nibble state machine: a state is an internal node of the code tree (a
 *   complete binary tree with 257 leaves has exactly 256 internal nodes, so a state fits a byte),
 *   and `DECODE[state * 16 + nibble]` says where 4 more input bits lead, which symbol they finished
 *   (at most one: the shortest code is 5 bits), and whether they ran into EOS. Decoding is two
 *   table reads per input octet, no tree walk, no allocation.
 * - the end-of-string check (§5.2): the bits left over after the last symbol must be a prefix of
 *   EOS (all ones) no longer than 7 bits; `ACCEPT` flags exactly those states (and the root).
 */
import { HpackError } from './hpack-error.js';

// biome-ignore format: one row per 8 symbols, as Appendix B lists them
export const HUFFMAN_CODES: readonly number[] = [
  /*   0 */ 0x1ff8, 0x7fffd8, 0xfffffe2, 0xfffffe3, 0xfffffe4, 0xfffffe5, 0xfffffe6, 0xfffffe7,
  /*   8 */ 0xfffffe8, 0xffffea, 0x3ffffffc, 0xfffffe9, 0xfffffea, 0x3ffffffd, 0xfffffeb, 0xfffffec,
  /*  16 */ 0xfffffed, 0xfffffee, 0xfffffef, 0xffffff0, 0xffffff1, 0xffffff2, 0x3ffffffe, 0xffffff3,
  /*  24 */ 0xffffff4, 0xffffff5, 0xffffff6, 0xffffff7, 0xffffff8, 0xffffff9, 0xffffffa, 0xffffffb,
  /*  32 */ 0x14, 0x3f8, 0x3f9, 0xffa, 0x1ff9, 0x15, 0xf8, 0x7fa,
  /*  40 */ 0x3fa, 0x3fb, 0xf9, 0x7fb, 0xfa, 0x16, 0x17, 0x18,
  /*  48 */ 0x0, 0x1, 0x2, 0x19, 0x1a, 0x1b, 0x1c, 0x1d,
  /*  56 */ 0x1e, 0x1f, 0x5c, 0xfb, 0x7ffc, 0x20, 0xffb, 0x3fc,
  /*  64 */ 0x1ffa, 0x21, 0x5d, 0x5e, 0x5f, 0x60, 0x61, 0x62,
  /*  72 */ 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a,
  /*  80 */ 0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x70, 0x71, 0x72,
  /*  88 */ 0xfc, 0x73, 0xfd, 0x1ffb, 0x7fff0, 0x1ffc, 0x3ffc, 0x22,
  /*  96 */ 0x7ffd, 0x3, 0x23, 0x4, 0x24, 0x5, 0x25, 0x26,
  /* 104 */ 0x27, 0x6, 0x74, 0x75, 0x28, 0x29, 0x2a, 0x7,
  /* 112 */ 0x2b, 0x76, 0x2c, 0x8, 0x9, 0x2d, 0x77, 0x78,
  /* 120 */ 0x79, 0x7a, 0x7b, 0x7ffe, 0x7fc, 0x3ffd, 0x1ffd, 0xffffffc,
  /* 128 */ 0xfffe6, 0x3fffd2, 0xfffe7, 0xfffe8, 0x3fffd3, 0x3fffd4, 0x3fffd5, 0x7fffd9,
  /* 136 */ 0x3fffd6, 0x7fffda, 0x7fffdb, 0x7fffdc, 0x7fffdd, 0x7fffde, 0xffffeb, 0x7fffdf,
  /* 144 */ 0xffffec, 0xffffed, 0x3fffd7, 0x7fffe0, 0xffffee, 0x7fffe1, 0x7fffe2, 0x7fffe3,
  /* 152 */ 0x7fffe4, 0x1fffdc, 0x3fffd8, 0x7fffe5, 0x3fffd9, 0x7fffe6, 0x7fffe7, 0xffffef,
  /* 160 */ 0x3fffda, 0x1fffdd, 0xfffe9, 0x3fffdb, 0x3fffdc, 0x7fffe8, 0x7fffe9, 0x1fffde,
  /* 168 */ 0x7fffea, 0x3fffdd, 0x3fffde, 0xfffff0, 0x1fffdf, 0x3fffdf, 0x7fffeb, 0x7fffec,
  /* 176 */ 0x1fffe0, 0x1fffe1, 0x3fffe0, 0x1fffe2, 0x7fffed, 0x3fffe1, 0x7fffee, 0x7fffef,
  /* 184 */ 0xfffea, 0x3fffe2, 0x3fffe3, 0x3fffe4, 0x7ffff0, 0x3fffe5, 0x3fffe6, 0x7ffff1,
  /* 192 */ 0x3ffffe0, 0x3ffffe1, 0xfffeb, 0x7fff1, 0x3fffe7, 0x7ffff2, 0x3fffe8, 0x1ffffec,
  /* 200 */ 0x3ffffe2, 0x3ffffe3, 0x3ffffe4, 0x7ffffde, 0x7ffffdf, 0x3ffffe5, 0xfffff1, 0x1ffffed,
  /* 208 */ 0x7fff2, 0x1fffe3, 0x3ffffe6, 0x7ffffe0, 0x7ffffe1, 0x3ffffe7, 0x7ffffe2, 0xfffff2,
  /* 216 */ 0x1fffe4, 0x1fffe5, 0x3ffffe8, 0x3ffffe9, 0xffffffd, 0x7ffffe3, 0x7ffffe4, 0x7ffffe5,
  /* 224 */ 0xfffec, 0xfffff3, 0xfffed, 0x1fffe6, 0x3fffe9, 0x1fffe7, 0x1fffe8, 0x7ffff3,
  /* 232 */ 0x3fffea, 0x3fffeb, 0x1ffffee, 0x1ffffef, 0xfffff4, 0xfffff5, 0x3ffffea, 0x7ffff4,
  /* 240 */ 0x3ffffeb, 0x7ffffe6, 0x3ffffec, 0x3ffffed, 0x7ffffe7, 0x7ffffe8, 0x7ffffe9, 0x7ffffea,
  /* 248 */ 0x7ffffeb, 0xffffffe, 0x7ffffec, 0x7ffffed, 0x7ffffee, 0x7ffffef, 0x7fffff0, 0x3ffffee,
  /* EOS */ 0x3fffffff,
];

// biome-ignore format: one row per 8 symbols, as Appendix B lists them
export const HUFFMAN_LENGTHS: readonly number[] = [
  /*   0 */ 13, 23, 28, 28, 28, 28, 28, 28,
  /*   8 */ 28, 24, 30, 28, 28, 30, 28, 28,
  /*  16 */ 28, 28, 28, 28, 28, 28, 30, 28,
  /*  24 */ 28, 28, 28, 28, 28, 28, 28, 28,
  /*  32 */ 6, 10, 10, 12, 13, 6, 8, 11,
  /*  40 */ 10, 10, 8, 11, 8, 6, 6, 6,
  /*  48 */ 5, 5, 5, 6, 6, 6, 6, 6,
  /*  56 */ 6, 6, 7, 8, 15, 6, 12, 10,
  /*  64 */ 13, 6, 7, 7, 7, 7, 7, 7,
  /*  72 */ 7, 7, 7, 7, 7, 7, 7, 7,
  /*  80 */ 7, 7, 7, 7, 7, 7, 7, 7,
  /*  88 */ 8, 7, 8, 13, 19, 13, 14, 6,
  /*  96 */ 15, 5, 6, 5, 6, 5, 6, 6,
  /* 104 */ 6, 5, 7, 7, 6, 6, 6, 5,
  /* 112 */ 6, 7, 6, 5, 5, 6, 7, 7,
  /* 120 */ 7, 7, 7, 15, 11, 14, 13, 28,
  /* 128 */ 20, 22, 20, 20, 22, 22, 22, 23,
  /* 136 */ 22, 23, 23, 23, 23, 23, 24, 23,
  /* 144 */ 24, 24, 22, 23, 24, 23, 23, 23,
  /* 152 */ 23, 21, 22, 23, 22, 23, 23, 24,
  /* 160 */ 22, 21, 20, 22, 22, 23, 23, 21,
  /* 168 */ 23, 22, 22, 24, 21, 22, 23, 23,
  /* 176 */ 21, 21, 22, 21, 23, 22, 23, 23,
  /* 184 */ 20, 22, 22, 22, 23, 22, 22, 23,
  /* 192 */ 26, 26, 20, 19, 22, 23, 22, 25,
  /* 200 */ 26, 26, 26, 27, 27, 26, 24, 25,
  /* 208 */ 19, 21, 26, 27, 27, 26, 27, 24,
  /* 216 */ 21, 21, 26, 26, 28, 27, 27, 27,
  /* 224 */ 20, 24, 20, 21, 22, 21, 21, 23,
  /* 232 */ 22, 22, 25, 25, 24, 24, 26, 23,
  /* 240 */ 26, 27, 26, 26, 27, 27, 27, 27,
  /* 248 */ 27, 28, 27, 27, 27, 27, 27, 26,
  /* EOS */ 30,
];

const EOS = 256;

/** Entry layout of {@link DECODE}: bits 0–7 next state, 8–15 symbol, then the flags. */
const EMIT = 1 << 16;
const FAIL = 1 << 17;

/** For state s (an internal node) and 4 input bits n: `DECODE[s * 16 + n]`. */
const DECODE = new Uint32Array(256 * 16);
/** 1 where ending the string in that state is valid padding (§5.2). */
const ACCEPT = new Uint8Array(256);

buildDecoder();

function buildDecoder(): void {
  // The code tree: node 0 is the root; child ids >= 0 are internal nodes, -1 - sym are leaves.
  const child0 = new Int32Array(512).fill(-1000);
  const child1 = new Int32Array(512).fill(-1000);
  const depth = new Uint8Array(512);
  const allOnes = new Uint8Array(512);
  allOnes[0] = 1;
  let nodes = 1;
  for (let sym = 0; sym <= EOS; sym++) {
    const code = HUFFMAN_CODES[sym]!;
    const len = HUFFMAN_LENGTHS[sym]!;
    let node = 0;
    for (let i = len - 1; i >= 0; i--) {
      const bit = Math.floor(code / 2 ** i) & 1;
      const children = bit === 1 ? child1 : child0;
      const next = children[node]!;
      if (i === 0) {
        if (next !== -1000) throw new Error(`HPACK Huffman table: code of symbol ${sym} is not prefix-free`);
        children[node] = -1 - sym;
      } else if (next === -1000) {
        if (nodes === 256) throw new Error('HPACK Huffman table: more than 256 internal nodes');
        children[node] = nodes;
        depth[nodes] = depth[node]! + 1;
        allOnes[nodes] = allOnes[node]! & bit;
        node = nodes++;
      } else if (next < 0) {
        throw new Error(`HPACK Huffman table: code of symbol ${sym} is not prefix-free`);
      } else {
        node = next;
      }
    }
  }
  // A complete code (Kraft sum exactly 1) leaves no node with a missing child: every bit
  // sequence decodes to something, so the state machine needs no "invalid code" state.
  if (nodes !== 256) throw new Error('HPACK Huffman table: the code is not complete');
  for (let s = 0; s < 256; s++) {
    if (child0[s] === -1000 || child1[s] === -1000) throw new Error('HPACK Huffman table: the code is not complete');
    ACCEPT[s] = s === 0 || (allOnes[s] === 1 && depth[s]! <= 7) ? 1 : 0;
    for (let nibble = 0; nibble < 16; nibble++) {
      let node = s;
      let entry = 0;
      for (let i = 3; i >= 0; i--) {
        const next = ((nibble >> i) & 1) === 1 ? child1[node]! : child0[node]!;
        if (next >= 0) {
          node = next;
          continue;
        }
        const sym = -1 - next;
        // EOS inside a string is a decoding error (§5.2); nothing after it matters.
        if (sym === EOS) entry |= FAIL;
        else entry |= EMIT | (sym << 8);
        node = 0;
      }
      DECODE[s * 16 + nibble] = entry | node;
    }
  }
}

/**
 * Decodes `src[start, end)` (a whole Huffman-coded string) into `out` from `outPos`, returning
 * the new end of `out`. `out` must have room for `(end - start) * 8 / 5` octets (the shortest
 * code is 5 bits). Throws {@link HpackError} on EOS or bad padding.
 */
export function huffmanDecode(src: Uint8Array, start: number, end: number, out: Uint8Array, outPos: number): number {
  let state = 0;
  let o = outPos;
  for (let i = start; i < end; i++) {
    const byte = src[i]!;
    let e = DECODE[(state << 4) | (byte >> 4)]!;
    if ((e & EMIT) !== 0) out[o++] = (e >> 8) & 0xff;
    e = DECODE[((e & 0xff) << 4) | (byte & 0x0f)]! | (e & FAIL);
    if ((e & EMIT) !== 0) out[o++] = (e >> 8) & 0xff;
    if ((e & FAIL) !== 0) throw new HpackError('Huffman-coded string contains EOS (RFC 7541 §5.2)');
    state = e & 0xff;
  }
  if (ACCEPT[state] !== 1) throw new HpackError('Huffman-coded string has invalid padding (RFC 7541 §5.2)');
  return o;
}

/**
 * A Huffman decoder fed piece by piece, for a string literal split across fragments. With `out`
 * null it only counts the decoded octets (a string we skip still has a decoded length, and that
 * length is what an indexed entry's size is made of, §4.1).
 */
export class HuffmanStream {
  private state = 0;
  /** Decoded octets so far. */
  length = 0;

  reset(): void {
    this.state = 0;
    this.length = 0;
  }

  /**
   * Decodes `src[start, end)`; when `out` is given, writes at `out[this.length]` onwards but never
   * at or past `limit` (octets beyond it are only counted).
   */
  push(src: Uint8Array, start: number, end: number, out: Uint8Array | null, limit: number): void {
    let state = this.state;
    let o = this.length;
    for (let i = start; i < end; i++) {
      const byte = src[i]!;
      let e = DECODE[(state << 4) | (byte >> 4)]!;
      if ((e & EMIT) !== 0) {
        if (out !== null && o < limit) out[o] = (e >> 8) & 0xff;
        o++;
      }
      e = DECODE[((e & 0xff) << 4) | (byte & 0x0f)]! | (e & FAIL);
      if ((e & EMIT) !== 0) {
        if (out !== null && o < limit) out[o] = (e >> 8) & 0xff;
        o++;
      }
      if ((e & FAIL) !== 0) throw new HpackError('Huffman-coded string contains EOS (RFC 7541 §5.2)');
      state = e & 0xff;
    }
    this.state = state;
    this.length = o;
  }

  /** The string ended: throws unless the leftover bits are valid padding (§5.2). */
  finish(): void {
    if (ACCEPT[this.state] !== 1) throw new HpackError('Huffman-coded string has invalid padding (RFC 7541 §5.2)');
  }
}

/** Octets `s` takes Huffman-coded (padding included); `s` is read as latin1, one char one octet. */
export function huffmanEncodedLength(s: string): number {
  let bits = 0;
  for (let i = 0; i < s.length; i++) bits += HUFFMAN_LENGTHS[s.charCodeAt(i) & 0xff]!;
  return (bits + 7) >> 3;
}

/**
 * Writes `s` (latin1) Huffman-coded into `out` at `pos`, padded with the high bits of EOS (all
 * ones, §5.2); returns the new end. `out` must have room for {@link huffmanEncodedLength}.
 */
export function huffmanEncode(s: string, out: Uint8Array, pos: number): number {
  // Pending bits live in `acc` (fewer than 8 between symbols, so acc < 2^38: exact in a double).
  let acc = 0;
  let bits = 0;
  let o = pos;
  for (let i = 0; i < s.length; i++) {
    const sym = s.charCodeAt(i) & 0xff;
    const len = HUFFMAN_LENGTHS[sym]!;
    acc = acc * 2 ** len + HUFFMAN_CODES[sym]!;
    bits += len;
    while (bits >= 8) {
      bits -= 8;
      const div = 2 ** bits;
      const byte = Math.floor(acc / div);
      out[o++] = byte & 0xff;
      acc -= byte * div;
    }
  }
  if (bits > 0) out[o++] = ((acc << (8 - bits)) | (0xff >> bits)) & 0xff;
  return o;
}
