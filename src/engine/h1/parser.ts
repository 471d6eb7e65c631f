/**
 * The incremental HTTP/1.x response parser (RFC 9112): pure, push-fed, no sockets.
 *
 * The engine feeds it whatever the socket delivered through {@link ResponseParser.execute}; it
 * calls back `onHead`, `onBody`, `onComplete`. It is the hot path, so it scans bytes with plain
 * loops (one table lookup per byte, no regexes, no string building), hands body bytes out as
 * views of the caller's chunk, and keeps only the unfinished head line between calls.
 *
 * Strictness: wherever the framing of a response could be read two ways (the ingredients of
 * request smuggling and response splitting) the parser refuses with a `protocol` error rather
 * than guess. Every error is decided at a byte position, so the same bytes give the same result
 * however they are split across `execute` calls.
 */
import { ParseError } from '../../errors.js';

export interface ResponseHead {
  /** 100..999 accepted syntactically (3 digits); a head handed to `onHead` has status >= 200. */
  status: number;
  /** Raw reason phrase (latin1), NOT sanitized — reporters sanitize. Empty when the server sent none. */
  reason: string;
  /** HTTP/1.0 or HTTP/1.1 minor version (1.2+ counts as 1.1, RFC 9112 §2.3). */
  version: 0 | 1;
  /** Flat list: [name0, value0, name1, value1, ...]; names lower-cased, values trimmed of OWS (latin1). */
  headers: string[];
  /**
   * Whether the connection may be reused after this response (RFC 9112 §9.3): 1.1 without
   * `Connection: close`, or 1.0 with `Connection: keep-alive`; false for close-delimited bodies
   * and for an HTTP/1.0 response carrying Transfer-Encoding (RFC 9112 §6.1).
   */
  keepAlive: boolean;
  /**
   * Content-Length when framing is by length, 0 when the response has no body by rule
   * (HEAD request, 204, 304 — whatever the headers say), else -1 (chunked or close-delimited).
   */
  contentLength: number;
  chunked: boolean;
}

export interface ParserHandler {
  /** A final (non-1xx) response head is complete. 1xx interim responses are skipped silently (except 101 → protocol error: we never ask to upgrade). */
  onHead(head: ResponseHead): void;
  /** Body bytes, framing removed: chunk.subarray(start, end) — no copy. May be called many times. Never called with start === end. */
  onBody(chunk: Buffer, start: number, end: number): void;
  /** The response is complete. keepAlive as in the head (false when it was close-delimited). */
  onComplete(keepAlive: boolean): void;
}

export interface ParserOptions {
  /** Max bytes of one response head (status line + header fields + final CRLF), each 1xx head counted separately. @default 65536 */
  maxHeaderBytes?: number;
  /** Max bytes of one chunk-size line (with its extensions), and of the trailer section (bounded work against endless trailers). @default 65536 */
  maxTrailerBytes?: number;
}

/** More interim (1xx) heads than this before the final one is a protocol error. */
const MAX_INTERIM_RESPONSES = 100;
/** Chunk sizes longer than this are refused before they can overflow (16^15 > 2^53 already). */
const MAX_CHUNK_SIZE_DIGITS = 15;

const HT = 9;
const LF = 10;
const CR = 13;
const SP = 32;
const DQUOTE = 34;
const COMMA = 44;
const COLON = 58;
const SEMICOLON = 59;
const EQUALS = 61;
const BACKSLASH = 92;

// Parser states.
const S_HEAD = 0;
const S_BODY_LENGTH = 1;
const S_BODY_CLOSE = 2;
const S_CHUNK_SIZE = 3;
const S_CHUNK_DATA = 4;
const S_CHUNK_END = 5;
const S_TRAILER = 6;
const S_DONE = 7;
const S_ERROR = 8;

// Sub-states of the chunk-size line (S_CHUNK_SIZE): `chunk-size [ chunk-ext ] CRLF` with
// chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ) (RFC 9112 §7.1.1).
const Z_DIGITS = 0;
/** The first byte after the size. */
const Z_AFTER_DIGITS = 1;
/** BWS after the size: ";" must follow. */
const Z_SIZE_BWS = 2;
const Z_CR = 3;
/** After ";" (BWS, then a name). */
const Z_EXT_SEMI = 4;
const Z_EXT_NAME = 5;
/** BWS after a name: "=" or ";" must follow. */
const Z_EXT_AFTER_NAME = 6;
/** After "=" (BWS, then a value). */
const Z_EXT_EQUALS = 7;
const Z_EXT_TOKEN = 8;
const Z_EXT_QUOTED = 9;
/** After a backslash in a quoted value (quoted-pair). */
const Z_EXT_QUOTED_PAIR = 10;
/** Right after a quoted value's closing DQUOTE. */
const Z_EXT_QUOTED_END = 11;
/** BWS after a value: ";" must follow. */
const Z_EXT_AFTER_VALUE = 12;
/** The chunk-size line is complete. */
const Z_END = -1;

// Sub-states of a trailer line (S_TRAILER): field-line CRLF (RFC 9112 §7.1.2, §5).
const T_START = 0;
const T_NAME = 1;
const T_VALUE = 2;
/** A CR ending a field line. */
const T_CR = 3;
/** A CR ending the trailer section. */
const T_END_CR = 4;

// Byte classes for the head, one lookup per byte; ordered so that "may appear in a field value"
// is one comparison (c >= C_VCHAR).
/** NUL, CTLs other than HTAB, DEL: never allowed in a head (RFC 9110 §5.5). */
const C_INVALID = 0;
const C_CR = 1;
const C_LF = 2;
/** SP / HTAB (OWS). */
const C_OWS = 3;
/** field-vchar that is not a tchar: VCHAR delimiters and obs-text (RFC 9110 §5.5). */
const C_VCHAR = 4;
/** tchar (RFC 9110 §5.6.2) — also a field-vchar. */
const C_TCHAR = 5;

const CLASS = new Uint8Array(256);
/** ASCII lower-casing, for case-insensitive names and tokens. */
const LOWER = new Uint8Array(256);
/** Hex digit value, or 255. */
const HEX = new Uint8Array(256).fill(255);
fillTables();

function fillTables(): void {
  for (let b = 0x21; b <= 0x7e; b++) CLASS[b] = C_VCHAR;
  for (let b = 0x80; b <= 0xff; b++) CLASS[b] = C_VCHAR;
  for (const ch of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
    CLASS[ch.charCodeAt(0)] = C_TCHAR;
  }
  CLASS[SP] = C_OWS;
  CLASS[HT] = C_OWS;
  CLASS[CR] = C_CR;
  CLASS[LF] = C_LF;
  for (let b = 0; b < 256; b++) LOWER[b] = b >= 65 && b <= 90 ? b + 32 : b;
  for (let d = 0; d < 10; d++) HEX[48 + d] = d;
  for (let d = 0; d < 6; d++) {
    HEX[65 + d] = 10 + d;
    HEX[97 + d] = 10 + d;
  }
}

const EMPTY = Buffer.alloc(0);
/** An unfinished-line buffer grown past this is dropped once its line is done. */
const PEND_KEEP_BYTES = 8192;
const HTTP_PREFIX = Buffer.from('HTTP/1.', 'latin1');
/** "HTTP/1.x NNN": the fixed-width start of every status line. */
const STATUS_FIXED = 12;
const TOKEN_CLOSE = Buffer.from('close', 'latin1');
const TOKEN_KEEP_ALIVE = Buffer.from('keep-alive', 'latin1');
const TOKEN_CHUNKED = Buffer.from('chunked', 'latin1');

/**
 * Decoding a string costs more than scanning the bytes it came from, and the same names and
 * values (`content-type`, `nginx`, `keep-alive`, `OK`) come back response after response. These
 * direct-mapped caches, keyed by a hash computed during the scan we do anyway, hand back the
 * string decoded last time when the bytes match. Strings are immutable, so sharing them between
 * parsers is invisible to callers.
 */
const NAME_CACHE_MASK = 255;
const VALUE_CACHE_MASK = 1023;
const MAX_CACHED_LENGTH = 64;
const nameCache: string[] = new Array<string>(NAME_CACHE_MASK + 1).fill('');
const valueCache: string[] = new Array<string>(VALUE_CACHE_MASK + 1).fill('');

type Latin1Slice = (this: Buffer, start: number, end: number) => string;
/** Node's own latin1 decoder without toString's argument juggling; toString where it is missing. */
const latin1Slice: Latin1Slice =
  (Buffer.prototype as unknown as { latin1Slice?: Latin1Slice }).latin1Slice ??
  function (this: Buffer, start: number, end: number): string {
    return this.toString('latin1', start, end);
  };

function cacheSlot(hash: number, length: number, mask: number): number {
  return (hash ^ (hash >>> 13) ^ length) & mask;
}

/** The lower-cased name in buf[start, end); `hash` is over the lower-cased bytes. */
function decodeName(buf: Buffer, start: number, end: number, hash: number, upper: boolean): string {
  const length = end - start;
  const slot = cacheSlot(hash, length, NAME_CACHE_MASK);
  const hit = nameCache[slot]!;
  if (hit.length === length) {
    let k = 0;
    while (k < length && hit.charCodeAt(k) === LOWER[buf[start + k]!]) k++;
    if (k === length) return hit;
  }
  let name = latin1Slice.call(buf, start, end);
  if (upper) name = name.toLowerCase();
  if (length <= MAX_CACHED_LENGTH) nameCache[slot] = name;
  return name;
}

/** The string in buf[start, end) exactly; `hash` is over those bytes. */
function decodeValue(buf: Buffer, start: number, end: number, hash: number): string {
  const length = end - start;
  if (length > MAX_CACHED_LENGTH) return latin1Slice.call(buf, start, end);
  const slot = cacheSlot(hash, length, VALUE_CACHE_MASK);
  const hit = valueCache[slot]!;
  if (hit.length === length) {
    let k = 0;
    while (k < length && hit.charCodeAt(k) === buf[start + k]) k++;
    if (k === length) return hit;
  }
  const value = latin1Slice.call(buf, start, end);
  valueCache[slot] = value;
  return value;
}

/** buf[start, start + token.length) equals the lower-case `token`, ignoring ASCII case. */
function equalsToken(buf: Buffer, start: number, end: number, token: Buffer): boolean {
  if (end - start !== token.length) return false;
  for (let k = 0; k < token.length; k++) if (LOWER[buf[start + k]!] !== token[k]) return false;
  return true;
}

/** A short, printable rendering of some bytes for error messages (they may be binary garbage). */
function printable(buf: Buffer, start: number, end: number): string {
  const stop = Math.min(end, start + 24);
  let out = '';
  for (let i = start; i < stop; i++) {
    const b = buf[i]!;
    out +=
      b >= 0x20 && b < 0x7f && b !== DQUOTE && b !== BACKSLASH
        ? String.fromCharCode(b)
        : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `"${out}${end > stop ? '…' : ''}"`;
}

function byteName(b: number): string {
  if (b === 0) return 'NUL';
  if (b === CR) return 'CR';
  if (b === LF) return 'LF';
  return `0x${b.toString(16).padStart(2, '0')}`;
}

function skipOWS(buf: Buffer, i: number, end: number): number {
  while (i < end && (buf[i] === SP || buf[i] === HT)) i++;
  return i;
}

/** Bytes consumed when the response completed at `pos` (see {@link ResponseParser.execute}). */
function completedAt(pos: number): number {
  return -1 - pos;
}

export class ResponseParser {
  private readonly handler: ParserHandler;
  private readonly maxHeaderBytes: number;
  private readonly maxTrailerBytes: number;

  private state = S_HEAD;
  private error: ParseError | null = null;
  private isHeadRequest = false;
  private received = 0;
  private interimCount = 0;

  // The head being parsed.
  /** Lines of the current head completed so far (0: still in the status line). */
  private lines = 0;
  /** Bytes of the current head in completed lines. */
  private headBytes = 0;
  /** The unfinished line, when a chunk ended inside one; pend[0, pendLen). */
  private pend: Buffer = EMPTY;
  private pendLen = 0;
  /** finish() is deciding: errors in an unfinished line are reported, not held back. */
  private closing = false;
  private headEnded = false;
  private status = 0;
  private reason = '';
  private version: 0 | 1 = 1;
  private interim = false;
  private headers: string[] = [];
  private contentLength = -1;
  private hasContentLength = false;
  private hasTransferEncoding = false;
  private lastCodingChunked = false;
  private chunkedSeen = false;
  private connectionClose = false;
  private connectionKeepAlive = false;

  // The body.
  private keepAlive = false;
  /** Bytes left of a length-framed body or of the current chunk. */
  private remaining = 0;
  private expected = 0;
  private bodyBytes = 0;
  private sub = 0;
  private sizeDigits = 0;
  private lineBytes = 0;
  private trailerBytes = 0;

  constructor(handler: ParserHandler, options?: ParserOptions) {
    this.handler = handler;
    this.maxHeaderBytes = limitOption(options?.maxHeaderBytes, 'maxHeaderBytes');
    this.maxTrailerBytes = limitOption(options?.maxTrailerBytes, 'maxTrailerBytes');
    // Ready for a GET response, so a parser that is never start()ed still behaves sensibly.
    this.start('GET');
  }

  /** Get ready for the response to a request with this method (HEAD → no body whatever the headers say). Call once per request, also on a reused parser. */
  start(method: string): void {
    this.state = S_HEAD;
    this.error = null;
    this.isHeadRequest = method === 'HEAD';
    this.received = 0;
    this.interimCount = 0;
    this.pendLen = 0;
    this.closing = false;
    this.headers = [];
    this.resetHead();
    this.keepAlive = false;
    this.remaining = 0;
    this.expected = 0;
    this.bodyBytes = 0;
    this.sub = 0;
    this.sizeDigits = 0;
    this.lineBytes = 0;
    this.trailerBytes = 0;
  }

  /** Total bytes fed for the current response (head+framing+body), for messages/diagnostics. */
  get bytesReceived(): number {
    return this.received;
  }

  /** True once any byte of the current response arrived. */
  get started(): boolean {
    return this.received > 0;
  }

  /** True between onComplete and the next start(). */
  get done(): boolean {
    return this.state === S_DONE;
  }

  /**
   * Feed bytes. Returns how many bytes of `chunk` belonged to the current response: when the
   * response completes mid-chunk, the rest is NOT parsed (the engine decides — extra bytes on a
   * client connection mean the connection can't be reused). Throws ParseError on malformed input,
   * and throws the same error again if fed after that (start() clears it).
   * Calling execute after onComplete without start() returns `from`.
   *
   * `from`: where in `chunk` this response's bytes begin (the previous response of a pipelined
   * connection ended before it) — the return value is then a position in `chunk` too. The rest of
   * a read is parsed in place instead of through a `subarray` view per response (no allocation per response).
   */
  execute(chunk: Buffer, from = 0): number {
    if (this.error !== null) throw this.error;
    const len = chunk.length;
    let pos = from;
    // Each step returns the next position, or completedAt(pos) once the response is complete;
    // we then return at once, without looking at our state again: the handler may already have
    // called start() for the next request from inside onComplete.
    while (pos < len) {
      let next: number;
      switch (this.state) {
        case S_BODY_LENGTH:
          next = this.lengthBody(chunk, pos, len);
          break;
        case S_CHUNK_DATA:
          next = this.chunkData(chunk, pos, len);
          break;
        case S_CHUNK_SIZE:
          next = this.chunkSizeLine(chunk, pos, len);
          break;
        case S_CHUNK_END:
          next = this.chunkEnd(chunk, pos, len);
          break;
        case S_HEAD:
          next = this.head(chunk, pos, len);
          break;
        case S_BODY_CLOSE:
          next = this.closeBody(chunk, pos, len);
          break;
        case S_TRAILER:
          next = this.trailer(chunk, pos, len);
          break;
        default: // S_DONE (S_ERROR threw above)
          return pos;
      }
      if (next < 0) return completedAt(next);
      pos = next;
    }
    return pos;
  }

  /**
   * The peer closed the connection. Completes a close-delimited body (calls onComplete(false));
   * otherwise throws ParseError('truncated', …) naming what was missing. Does nothing after the
   * response completed or after a ParseError (the engine has already acted on it).
   */
  finish(): void {
    switch (this.state) {
      case S_DONE:
      case S_ERROR:
        return;
      case S_BODY_CLOSE:
        this.state = S_DONE;
        this.handler.onComplete(false);
        return;
      case S_HEAD:
        this.truncatedHead();
        return;
      case S_BODY_LENGTH:
        this.fail(
          'truncated',
          `connection closed after ${this.expected - this.remaining} of ${this.expected} body bytes`,
        );
        return;
      case S_CHUNK_DATA:
        this.fail(
          'truncated',
          `connection closed in the middle of a chunk (${this.expected - this.remaining} of ${this.expected} bytes)`,
        );
        return;
      case S_CHUNK_SIZE:
        this.fail(
          'truncated',
          this.lineBytes === 0
            ? `connection closed before the next chunk (after ${this.bodyBytes} body bytes)`
            : `connection closed in a chunk-size line (after ${this.bodyBytes} body bytes)`,
        );
        return;
      case S_CHUNK_END:
        this.fail(
          'truncated',
          `connection closed before the CRLF that ends a chunk (after ${this.bodyBytes} body bytes)`,
        );
        return;
      default: // S_TRAILER
        this.fail(
          'truncated',
          `connection closed in the trailer section after the last chunk (${this.bodyBytes} body bytes received)`,
        );
        return;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The head

  private resetHead(): void {
    this.lines = 0;
    this.headBytes = 0;
    this.headEnded = false;
    this.status = 0;
    this.reason = '';
    this.version = 1;
    this.interim = false;
    this.contentLength = -1;
    this.hasContentLength = false;
    this.hasTransferEncoding = false;
    this.lastCodingChunked = false;
    this.chunkedSeen = false;
    this.connectionClose = false;
    this.connectionKeepAlive = false;
  }

  /** Parses head lines from chunk[pos, len) until the head is complete or the bytes run out. */
  private head(chunk: Buffer, pos: number, len: number): number {
    while (pos < len) {
      const allowance = this.maxHeaderBytes - this.headBytes;
      if (this.pendLen > 0) {
        pos = this.resumeLine(chunk, pos, len, allowance);
        if (this.pendLen > 0) return pos; // still unfinished; pos === len
      } else {
        const limit = pos + allowance;
        const next =
          this.lines === 0 ? this.statusLine(chunk, pos, len, limit) : this.fieldLine(chunk, pos, len, limit);
        if (next < 0) {
          // Only the unfinished line is kept; it is within the allowance (else we threw).
          this.appendPending(chunk, pos, len);
          this.received += len - pos;
          return len;
        }
        this.headBytes += next - pos;
        this.received += next - pos;
        pos = next;
      }
      this.lines++;
      if (this.headEnded) {
        const r = this.endHead(pos);
        // Only an interim head leaves us here, to parse the next head from the same bytes.
        if (r < 0 || this.state !== S_HEAD) return r;
      }
    }
    return pos;
  }

  /**
   * Slow path: a line began in an earlier chunk. Copies the next piece of it (up to the LF, or one
   * byte past the size limit) and parses the line once it is complete, so a line trickled in byte
   * by byte costs linear, not quadratic, time.
   */
  private resumeLine(chunk: Buffer, pos: number, len: number, allowance: number): number {
    const lf = chunk.indexOf(LF, pos);
    const want = (lf < 0 ? len : lf + 1) - pos;
    const room = allowance + 1 - this.pendLen;
    const take = Math.min(want, room);
    this.appendPending(chunk, pos, pos + take);
    this.received += take;
    const pend = this.pend;
    const n = this.pendLen;
    if (take === want && lf >= 0) {
      // Complete: parse it whole (this also applies the size limit, by position).
      if (this.lines === 0) this.statusLine(pend, 0, n, allowance);
      else this.fieldLine(pend, 0, n, allowance);
      this.pendLen = 0;
      this.headBytes += n;
      // Don't hold on to a buffer grown for one huge line for the life of the connection.
      if (pend.length > PEND_KEEP_BYTES) this.pend = EMPTY;
    } else if (n > allowance) {
      // Over the limit without an LF: parse what we have so that a malformed byte before the
      // limit is reported as it would have been had all bytes come at once. Throws.
      this.scanPending(allowance);
    } else if (this.lines === 0) {
      // Garbage is recognised from its first bytes, not after 64 KiB of it.
      this.checkStatusPrefix(pend, 0, Math.min(n, STATUS_FIXED));
    }
    return pos + take;
  }

  /** Parses the unfinished line: throws on a malformed byte or the size limit, else returns. */
  private scanPending(allowance: number): void {
    if (this.lines === 0) this.statusLine(this.pend, 0, this.pendLen, allowance);
    else this.fieldLine(this.pend, 0, this.pendLen, allowance);
  }

  private appendPending(chunk: Buffer, start: number, end: number): void {
    const need = this.pendLen + (end - start);
    if (need > this.pend.length) {
      let size = this.pend.length === 0 ? 256 : this.pend.length * 2;
      while (size < need) size *= 2;
      // Never more than a whole head (+1 byte, to see it is over the limit) needs.
      if (size > this.maxHeaderBytes + 1) size = Math.max(need, this.maxHeaderBytes + 1);
      const grown = Buffer.allocUnsafe(size);
      this.pend.copy(grown, 0, 0, this.pendLen);
      this.pend = grown;
    }
    chunk.copy(this.pend, this.pendLen, start, end);
    this.pendLen = need;
  }

  /**
   * A scan reached `i` without finishing its line: more bytes are needed when the data ended
   * there, else the byte at `i` is past the head size limit.
   */
  private needMore(i: number, end: number): number {
    if (i >= end) return -1;
    return this.fail('too_large', `response header section over ${this.maxHeaderBytes} bytes`);
  }

  /**
   * `HTTP/1.x SP 3DIGIT [SP reason] CRLF` (RFC 9112 §4). Returns the index after its LF, or -1
   * when buf[s, end) holds only part of it. Bytes at `limit` and beyond are over the size limit.
   */
  private statusLine(buf: Buffer, s: number, end: number, limit: number): number {
    const stop = Math.min(end, limit);
    if (stop - s < STATUS_FIXED) {
      this.checkStatusPrefix(buf, s, stop - s);
      return this.needMore(stop, end);
    }
    this.checkStatusPrefix(buf, s, STATUS_FIXED);
    let i = s + STATUS_FIXED;
    if (i >= stop) return this.needMore(i, end);
    let b = buf[i]!;
    let reasonStart = i;
    let hash = 0;
    if (b === SP) {
      // reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ); we also take it empty.
      reasonStart = ++i;
      for (;;) {
        if (i >= stop) return this.needMore(i, end);
        b = buf[i]!;
        if (CLASS[b]! < C_OWS) break;
        hash = (Math.imul(hash, 31) + b) | 0;
        i++;
      }
    }
    const reasonEnd = i;
    if (b === LF) {
      i++;
    } else if (b === CR) {
      if (i + 1 >= stop) return this.needMore(i + 1, end);
      if (buf[i + 1] !== LF) {
        return this.lineError(buf, i + 1, stop, end, this.bareCR(this.headBytes + (i - s)));
      }
      i += 2;
    } else {
      return this.lineError(
        buf,
        i,
        stop,
        end,
        `malformed status line: ${byteName(b)} at byte ${i - s} (${printable(buf, s, i + 1)})`,
      );
    }
    const status = (buf[s + 9]! - 48) * 100 + (buf[s + 10]! - 48) * 10 + (buf[s + 11]! - 48);
    this.status = status;
    this.version = buf[s + 7] === 48 ? 0 : 1;
    this.interim = status < 200;
    if (!this.interim && reasonEnd > reasonStart) {
      this.reason = decodeValue(buf, reasonStart, reasonEnd, hash);
    }
    return i;
  }

  /** Checks the first n (<= 12) bytes of a status line against `HTTP/1.x NNN`. */
  private checkStatusPrefix(buf: Buffer, s: number, n: number): void {
    for (let k = 0; k < n; k++) {
      const b = buf[s + k]!;
      if (k < 7) {
        if (b !== HTTP_PREFIX[k]) {
          this.fail('protocol', `not an HTTP/1.x response (it starts with ${printable(buf, s, s + n)})`);
        }
      } else if (k === 8) {
        if (b !== SP) this.fail('protocol', `malformed status line ${printable(buf, s, s + n)}`);
      } else if (b < 48 || b > 57) {
        this.fail('protocol', `malformed status line ${printable(buf, s, s + n)}`);
      }
    }
    if (n === STATUS_FIXED) {
      const status = (buf[s + 9]! - 48) * 100 + (buf[s + 10]! - 48) * 10 + (buf[s + 11]! - 48);
      if (status < 100) this.fail('protocol', `invalid status code ${printable(buf, s + 9, s + 12)}`);
      // We never send Upgrade, so a switch of protocols is a server error (RFC 9110 §15.2.2).
      if (status === 101) {
        this.fail('protocol', 'server switched protocols (101) but no upgrade was requested');
      }
    }
  }

  /**
   * One field line `name ":" OWS value OWS CRLF` (RFC 9112 §5), or the empty line ending the head.
   * Returns the index after its LF, or -1 when buf[s, end) holds only part of it.
   */
  private fieldLine(buf: Buffer, s: number, end: number, limit: number): number {
    const stop = Math.min(end, limit);
    let i = s;
    if (i >= stop) return this.needMore(i, end);
    let b = buf[i]!;
    if (b === CR || b === LF) {
      if (b === CR) {
        if (i + 1 >= stop) return this.needMore(i + 1, end);
        if (buf[i + 1] !== LF) {
          return this.lineError(buf, i + 1, stop, end, this.bareCR(this.headBytes + 1));
        }
        i++;
      }
      this.headEnded = true;
      return i + 1;
    }

    // field-name = token; hashed lower-cased for the name cache.
    let hash = 0;
    let upper = false;
    for (;;) {
      if (CLASS[b] !== C_TCHAR) break;
      if (b >= 65 && b <= 90) {
        upper = true;
        b += 32;
      }
      hash = (Math.imul(hash, 31) + b) | 0;
      if (++i >= stop) return this.needMore(i, end);
      b = buf[i]!;
    }
    if (b !== COLON || i === s) {
      return this.lineError(buf, i, stop, end, this.badName(buf, s, i, end));
    }
    const nameEnd = i++;

    // field-value, trimmed of leading and trailing OWS (RFC 9112 §5.1).
    let valueStart = -1;
    let valueEnd = -1;
    let running = 0;
    let valueHash = 0;
    for (; ; i++) {
      if (i >= stop) return this.needMore(i, end);
      b = buf[i]!;
      const c = CLASS[b]!;
      if (c >= C_VCHAR) {
        if (valueStart < 0) valueStart = i;
        running = (Math.imul(running, 31) + b) | 0;
        valueHash = running;
        valueEnd = i + 1;
      } else if (c === C_OWS) {
        if (valueStart >= 0) running = (Math.imul(running, 31) + b) | 0;
      } else if (c === C_CR) {
        if (i + 1 >= stop) return this.needMore(i + 1, end);
        if (buf[i + 1] !== LF) {
          return this.lineError(buf, i + 1, stop, end, this.bareCR(this.headBytes + (i - s)));
        }
        i += 2;
        break;
      } else if (c === C_LF) {
        i++;
        break;
      } else {
        // RFC 9110 §5.5: NUL is dangerous and must not pass; other CTLs are invalid too, and a
        // strict client has no reason to keep them.
        return this.lineError(
          buf,
          i,
          stop,
          end,
          `invalid character ${byteName(b)} in header field value at byte ${this.headBytes + (i - s)}`,
        );
      }
    }

    // A 1xx head is skipped: nothing in it frames anything (RFC 9112 §6.3).
    if (this.interim) return i;
    const name = decodeName(buf, s, nameEnd, hash, upper);
    const value = valueStart < 0 ? '' : decodeValue(buf, valueStart, valueEnd, valueHash);
    this.headers.push(name, value);
    switch (nameEnd - s) {
      case 10:
        if (name === 'connection') this.connectionField(buf, valueStart, valueEnd);
        break;
      case 14:
        if (name === 'content-length') this.contentLengthField(buf, valueStart, valueEnd);
        break;
      case 17:
        if (name === 'transfer-encoding') this.transferEncodingField(buf, valueStart, valueEnd);
        break;
    }
    return i;
  }

  /** What is wrong when the byte at `i` ended a field name without being its colon. */
  private badName(buf: Buffer, s: number, i: number, end: number): string {
    const b = buf[i]!;
    const at = this.headBytes + (i - s);
    if (i === s && (b === SP || b === HT)) {
      // RFC 9112 §2.2 (whitespace after the start-line) and §5.2 (obs-fold, which we may reject).
      return this.lines === 1
        ? `whitespace before the first header field at byte ${at}`
        : `obsolete line folding (header line starting with whitespace) at byte ${at}`;
    }
    if (b === COLON) return `empty header field name at byte ${at}`;
    // RFC 9112 §5.1: such a response MUST be rejected — it is how fields get smuggled.
    if (b === SP || b === HT) return `whitespace between header field name and colon at byte ${at}`;
    if (b === LF || (b === CR && i + 1 < end && buf[i + 1] === LF)) {
      return `header field line without a colon at byte ${at} (${printable(buf, s, i)})`;
    }
    if (b === CR) return this.bareCR(at);
    return `invalid character ${byteName(b)} in header field name at byte ${at}`;
  }

  private bareCR(at: number): string {
    // RFC 9112 §2.2: a bare CR must be rejected or replaced; a strict client rejects.
    return `bare CR (not followed by LF) in response head at byte ${at}`;
  }

  /**
   * A malformed byte at `i` in a head line. Reported at once when the line is complete (its LF is
   * here) or runs past the size limit; otherwise — the bytes ran out mid-line — it is held back
   * (-1: "need more") until the line's end, the limit or finish(). That way the outcome never
   * depends on where the bytes were split, and an unfinished line is scanned only when it ends,
   * not again on every chunk. (Garbage in the first 12 bytes is still refused at once, see
   * checkStatusPrefix.)
   */
  private lineError(buf: Buffer, i: number, stop: number, end: number, message: string): number {
    if (!this.closing && stop === end) {
      const lf = buf.indexOf(LF, i);
      if (lf < 0 || lf >= end) return -1;
    }
    return this.fail('protocol', message);
  }

  /**
   * `Connection: close` / `keep-alive` (RFC 9112 §9.3, §9.6); other options are ignored.
   * Connection = #connection-option (RFC 9110 §7.6.1): an option is a whole list element, so
   * `foo close` (one malformed element) is neither, as llhttp reads it too.
   */
  private connectionField(buf: Buffer, start: number, end: number): void {
    let i = start;
    while (i < end) {
      i = skipOWS(buf, i, end);
      const t = i;
      while (i < end && buf[i] !== COMMA) i++;
      let e = i;
      while (e > t && (buf[e - 1] === SP || buf[e - 1] === HT)) e--;
      if (equalsToken(buf, t, e, TOKEN_CLOSE)) this.connectionClose = true;
      else if (equalsToken(buf, t, e, TOKEN_KEEP_ALIVE)) this.connectionKeepAlive = true;
      i++; // the comma
    }
  }

  /**
   * Content-Length = 1*DIGIT (RFC 9110 §8.6). A list of identical values (or identical repeated
   * fields) is read as one; anything else is refused, since two readers could frame it differently.
   */
  private contentLengthField(buf: Buffer, start: number, end: number): void {
    if (start < 0) this.fail('protocol', 'empty Content-Length value');
    let i = start;
    for (;;) {
      let n = 0;
      const t = i;
      while (i < end) {
        const d = buf[i]! - 48;
        if (d < 0 || d > 9) break;
        n = n * 10 + d;
        if (n > Number.MAX_SAFE_INTEGER) {
          this.fail('protocol', `Content-Length value too large (${printable(buf, start, end)})`);
        }
        i++;
      }
      if (i === t) this.fail('protocol', `invalid Content-Length value ${printable(buf, start, end)}`);
      if (this.hasContentLength && n !== this.contentLength) {
        this.fail('protocol', `conflicting Content-Length values (${this.contentLength} and ${n})`);
      }
      this.hasContentLength = true;
      this.contentLength = n;
      while (i < end && (buf[i] === SP || buf[i] === HT)) i++;
      if (i === end) return;
      if (buf[i] !== COMMA) {
        this.fail('protocol', `invalid Content-Length value ${printable(buf, start, end)}`);
      }
      i++;
      while (i < end && (buf[i] === SP || buf[i] === HT)) i++;
    }
  }

  /**
   * Transfer-Encoding = #transfer-coding (RFC 9112 §6.1), possibly across several field lines,
   * which read as one list (RFC 9110 §5.3). Only the framing matters here: whether `chunked` is
   * the final coding (§6.3 rules 4 and 8). Codings are not decoded; the body is handed out as
   * it came once the chunked framing (if final) is removed.
   *
   * transfer-coding = token *( OWS ";" OWS transfer-parameter ) and transfer-parameter =
   * token BWS "=" BWS ( token / quoted-string ) are checked exactly; empty list elements are
   * ignored (RFC 9110 §5.6.1.2). Deliberately refused, although the list parses:
   * - `chunked` more than once, wherever it is: a sender MUST NOT (§6.1), and no reading of the
   *   content makes sense;
   * - `chunked` with parameters: the coding defines none, and readers split on it — one takes
   *   it for chunked, another (llhttp) for an unknown coding and reads until close.
   */
  private transferEncodingField(buf: Buffer, start: number, end: number): void {
    this.hasTransferEncoding = true;
    let i = start < 0 ? end : start;
    while (i < end) {
      const b = buf[i]!;
      if (b === COMMA || b === SP || b === HT) {
        i++; // OWS and empty list elements
        continue;
      }
      const t = i;
      while (i < end && CLASS[buf[i]!] === C_TCHAR) i++;
      if (i === t) this.badTransferEncoding(buf, start, end, 'a coding name');
      const chunked = equalsToken(buf, t, i, TOKEN_CHUNKED);
      if (chunked && this.chunkedSeen) this.fail('protocol', 'Transfer-Encoding applies chunked more than once');
      this.chunkedSeen ||= chunked;
      this.lastCodingChunked = chunked;
      i = skipOWS(buf, i, end);
      while (i < end && buf[i] === SEMICOLON) {
        if (chunked) this.fail('protocol', `Transfer-Encoding gives chunked parameters ${printable(buf, start, end)}`);
        i = this.transferParameter(buf, skipOWS(buf, i + 1, end), end, start);
        i = skipOWS(buf, i, end);
      }
      if (i < end && buf[i] !== COMMA) this.badTransferEncoding(buf, start, end, 'a comma');
    }
  }

  /** `token BWS "=" BWS ( token / quoted-string )` from `i`; returns the index after it. */
  private transferParameter(buf: Buffer, i: number, end: number, start: number): number {
    const t = i;
    while (i < end && CLASS[buf[i]!] === C_TCHAR) i++;
    if (i === t) this.badTransferEncoding(buf, start, end, 'a parameter name');
    i = skipOWS(buf, i, end);
    if (i >= end || buf[i] !== EQUALS) this.badTransferEncoding(buf, start, end, '"=" after a parameter name');
    i = skipOWS(buf, i + 1, end);
    if (i < end && buf[i] === DQUOTE) {
      // quoted-string; the value holds no CTLs (checked as a field value), so any other byte is
      // qdtext, and a quoted-pair is a backslash and any byte.
      for (i++; i < end && buf[i] !== DQUOTE; i++) if (buf[i] === BACKSLASH) i++;
      if (i >= end) this.badTransferEncoding(buf, start, end, 'the end of a quoted string');
      return i + 1;
    }
    const v = i;
    while (i < end && CLASS[buf[i]!] === C_TCHAR) i++;
    if (i === v) this.badTransferEncoding(buf, start, end, 'a parameter value');
    return i;
  }

  private badTransferEncoding(buf: Buffer, start: number, end: number, wanted: string): never {
    return this.fail('protocol', `invalid Transfer-Encoding ${printable(buf, start, end)}: ${wanted} expected`);
  }

  /** The empty line ended a head at `pos`. */
  private endHead(pos: number): number {
    if (this.interim) {
      if (++this.interimCount > MAX_INTERIM_RESPONSES) {
        this.fail('protocol', `too many interim responses (over ${MAX_INTERIM_RESPONSES} 1xx heads)`);
      }
      this.resetHead();
      return pos;
    }
    // RFC 9112 §6.3 rule 3: Transfer-Encoding overrides Content-Length, but the pair "ought to be
    // handled as an error" — it is the signature of smuggling and response splitting (§11.2).
    // Refused deliberately, whatever the codings (llhttp refuses it too).
    if (this.hasTransferEncoding && this.hasContentLength) {
      this.fail('protocol', 'response has both Transfer-Encoding and Content-Length');
    }
    const status = this.status;
    // RFC 9112 §9.3: 1.1 persists unless "close"; 1.0 only with "keep-alive" (and no "close").
    let keepAlive = this.version === 1 || this.connectionKeepAlive;
    if (this.connectionClose) keepAlive = false;
    // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing; it is read,
    // but the connection is closed after it.
    if (this.hasTransferEncoding && this.version === 0) keepAlive = false;
    let contentLength = -1;
    let chunked = false;
    let state: number;
    if (this.isHeadRequest || status === 204 || status === 304) {
      // RFC 9112 §6.3 rule 1: no body, whatever the header fields say.
      contentLength = 0;
      state = S_DONE;
    } else if (this.hasTransferEncoding) {
      if (this.lastCodingChunked) {
        chunked = true;
        state = S_CHUNK_SIZE;
      } else {
        // §6.3 rule 4 (responses): when chunked is not the final coding — another coding after
        // it, unknown codings only, or an empty list — the body runs until the server closes.
        keepAlive = false;
        state = S_BODY_CLOSE;
      }
    } else if (this.hasContentLength) {
      contentLength = this.contentLength;
      state = contentLength === 0 ? S_DONE : S_BODY_LENGTH;
    } else {
      // §6.3 rule 8: close-delimited.
      keepAlive = false;
      state = S_BODY_CLOSE;
    }
    this.keepAlive = keepAlive;
    this.remaining = Math.max(contentLength, 0);
    this.expected = this.remaining;
    this.sub = Z_DIGITS;
    // A response without a body becomes `done` in complete(), after onHead, not before it.
    if (state !== S_DONE) this.state = state;
    const head: ResponseHead = {
      status,
      reason: this.reason,
      version: this.version,
      headers: this.headers,
      keepAlive,
      contentLength,
      chunked,
    };
    this.handler.onHead(head);
    return state === S_DONE ? this.complete(pos) : pos;
  }

  // ---------------------------------------------------------------------------------------------
  // The body

  private complete(pos: number): number {
    this.state = S_DONE;
    this.handler.onComplete(this.keepAlive);
    return completedAt(pos);
  }

  private lengthBody(chunk: Buffer, pos: number, len: number): number {
    const avail = len - pos;
    const n = Math.min(avail, this.remaining);
    this.remaining -= n;
    this.received += n;
    this.bodyBytes += n;
    this.handler.onBody(chunk, pos, pos + n);
    pos += n;
    return this.remaining === 0 ? this.complete(pos) : pos;
  }

  private closeBody(chunk: Buffer, pos: number, len: number): number {
    this.received += len - pos;
    this.bodyBytes += len - pos;
    this.handler.onBody(chunk, pos, len);
    return len;
  }

  /**
   * `chunk-size [ chunk-ext ] CRLF` (RFC 9112 §7.1), byte by byte: it may arrive split anywhere.
   * Extensions carry nothing we use, but their grammar is checked exactly (§7.1.1): a `;` without
   * a name, `=` without a value, whitespace where no BWS is allowed, or a broken quoted-string
   * is refused, since readers that skip extensions loosely disagree on where such a line ends.
   */
  private chunkSizeLine(chunk: Buffer, pos: number, len: number): number {
    const max = this.maxTrailerBytes;
    let sub = this.sub;
    let size = this.remaining;
    let digits = this.sizeDigits;
    let lineBytes = this.lineBytes;
    let i = pos;
    while (i < len) {
      const b = chunk[i++]!;
      if (++lineBytes > max) this.fail('too_large', `chunk-size line over ${max} bytes`);
      if (sub === Z_DIGITS) {
        const d = HEX[b]!;
        if (d !== 255) {
          if (++digits > MAX_CHUNK_SIZE_DIGITS) {
            this.fail('protocol', `chunk size has more than ${MAX_CHUNK_SIZE_DIGITS} hex digits`);
          }
          size = size * 16 + d;
          if (size > Number.MAX_SAFE_INTEGER) this.fail('protocol', 'chunk size too large');
          continue;
        }
        if (digits === 0) {
          this.fail('protocol', `invalid chunk size: ${byteName(b)} where a hex digit was expected`);
        }
        sub = Z_AFTER_DIGITS;
      }
      sub = this.chunkLineStep(sub, b);
      if (sub === Z_END) {
        this.received += i - pos;
        this.sub = 0;
        this.sizeDigits = 0;
        this.lineBytes = 0;
        if (size === 0) {
          this.state = S_TRAILER;
          this.remaining = 0;
        } else {
          this.state = S_CHUNK_DATA;
          this.remaining = size;
          this.expected = size;
        }
        return i;
      }
    }
    this.received += i - pos;
    this.sub = sub;
    this.remaining = size;
    this.sizeDigits = digits;
    this.lineBytes = lineBytes;
    return i;
  }

  /** One byte of a chunk-size line after its digits: the next sub-state, or throws. */
  private chunkLineStep(sub: number, b: number): number {
    const c = CLASS[b]!;
    const ows = c === C_OWS;
    switch (sub) {
      case Z_EXT_QUOTED:
        if (b === DQUOTE) return Z_EXT_QUOTED_END;
        if (b === BACKSLASH) return Z_EXT_QUOTED_PAIR;
        // qdtext: HTAB / SP / VCHAR other than DQUOTE and backslash / obs-text.
        if (c >= C_OWS) return sub;
        return this.fail('protocol', `invalid character ${byteName(b)} in a quoted chunk extension value`);
      case Z_EXT_QUOTED_PAIR:
        if (c >= C_OWS) return Z_EXT_QUOTED;
        return this.fail('protocol', `invalid character ${byteName(b)} in a quoted chunk extension value`);
      case Z_CR:
        if (b !== LF) this.fail('protocol', 'bare CR (not followed by LF) in a chunk-size line');
        return Z_END;
      case Z_EXT_SEMI:
        if (ows) return sub;
        if (c === C_TCHAR) return Z_EXT_NAME;
        return this.fail('protocol', `chunk extension without a name (${byteName(b)} after ";")`);
      case Z_EXT_EQUALS:
        if (ows) return sub;
        if (c === C_TCHAR) return Z_EXT_TOKEN;
        if (b === DQUOTE) return Z_EXT_QUOTED;
        return this.fail('protocol', `chunk extension without a value (${byteName(b)} after "=")`);
      case Z_EXT_NAME:
        if (c === C_TCHAR) return sub;
        if (b === EQUALS) return Z_EXT_EQUALS;
        if (ows) return Z_EXT_AFTER_NAME;
        break;
      case Z_EXT_TOKEN:
        if (c === C_TCHAR) return sub;
        if (ows) return Z_EXT_AFTER_VALUE;
        break;
      case Z_EXT_QUOTED_END:
        if (ows) return Z_EXT_AFTER_VALUE;
        break;
      case Z_AFTER_DIGITS:
        if (ows) return Z_SIZE_BWS;
        if (b === SEMICOLON || b === CR || b === LF) break;
        return this.fail('protocol', `invalid chunk size: unexpected ${byteName(b)} after the size`);
      case Z_EXT_AFTER_NAME:
        if (ows) return sub;
        if (b === EQUALS) return Z_EXT_EQUALS;
        if (b === SEMICOLON) return Z_EXT_SEMI;
        return this.fail('protocol', `invalid chunk extension: ${byteName(b)} after whitespace`);
      default: // Z_SIZE_BWS, Z_EXT_AFTER_VALUE: BWS belongs to a following ";" and nothing else
        if (ows) return sub;
        if (b === SEMICOLON) return Z_EXT_SEMI;
        return this.fail(
          'protocol',
          sub === Z_SIZE_BWS
            ? `invalid chunk size: whitespace after the size not followed by ";" (${byteName(b)})`
            : `invalid chunk extension: ${byteName(b)} after whitespace`,
        );
    }
    // At the end of the size, a name or a value: the line may end, or another extension begin.
    if (b === SEMICOLON) return Z_EXT_SEMI;
    if (b === CR) return Z_CR;
    if (b === LF) return Z_END;
    return this.fail('protocol', `invalid character ${byteName(b)} in a chunk extension`);
  }

  private chunkData(chunk: Buffer, pos: number, len: number): number {
    const avail = len - pos;
    const n = Math.min(avail, this.remaining);
    this.remaining -= n;
    this.received += n;
    this.bodyBytes += n;
    this.handler.onBody(chunk, pos, pos + n);
    if (this.remaining === 0) {
      this.state = S_CHUNK_END;
      this.sub = 0;
    }
    return pos + n;
  }

  /** The CRLF after chunk-data (RFC 9112 §7.1); a bare LF is accepted as everywhere (§2.2). */
  private chunkEnd(chunk: Buffer, pos: number, len: number): number {
    let i = pos;
    while (i < len) {
      const b = chunk[i++]!;
      if (this.sub === 0 && b === CR) {
        this.sub = 1;
        continue;
      }
      if (b !== LF) {
        this.fail('protocol', `chunk data not followed by CRLF (${byteName(b)} after ${this.expected} chunk bytes)`);
      }
      this.state = S_CHUNK_SIZE;
      this.sub = Z_DIGITS;
      this.remaining = 0;
      break;
    }
    this.received += i - pos;
    return i;
  }

  /**
   * trailer-section CRLF after the last chunk (RFC 9112 §7.1.2): skipped, but bounded, and each
   * line checked as a field line (§5): a token name directly followed by ":", a value without
   * control bytes. A line that is not a field line would be read differently by a reader that
   * merges trailers into the head.
   */
  private trailer(chunk: Buffer, pos: number, len: number): number {
    const max = this.maxTrailerBytes;
    let total = this.trailerBytes;
    let sub = this.sub;
    let i = pos;
    while (i < len) {
      const b = chunk[i++]!;
      if (++total > max) this.fail('too_large', `chunked trailer section over ${max} bytes`);
      const c = CLASS[b]!;
      switch (sub) {
        case T_START:
          if (c === C_TCHAR) sub = T_NAME;
          else if (b === CR) sub = T_END_CR;
          else if (b === LF) {
            this.received += i - pos;
            return this.complete(i);
          } else this.fail('protocol', this.badTrailerStart(b));
          break;
        case T_NAME:
          if (b === COLON) sub = T_VALUE;
          else if (c !== C_TCHAR) this.fail('protocol', this.badTrailerName(b));
          break;
        case T_VALUE:
          if (b === CR) sub = T_CR;
          else if (b === LF) sub = T_START;
          else if (c === C_INVALID) this.fail('protocol', `invalid character ${byteName(b)} in the trailer section`);
          break;
        default: // T_CR, T_END_CR
          if (b !== LF) this.fail('protocol', 'bare CR (not followed by LF) in the trailer section');
          if (sub === T_END_CR) {
            this.received += i - pos;
            return this.complete(i);
          }
          sub = T_START;
      }
    }
    this.received += i - pos;
    this.trailerBytes = total;
    this.sub = sub;
    return i;
  }

  private badTrailerStart(b: number): string {
    if (b === SP || b === HT) return 'obsolete line folding (line starting with whitespace) in the trailer section';
    if (b === COLON) return 'empty field name in the trailer section';
    return `invalid character ${byteName(b)} in a trailer field name`;
  }

  private badTrailerName(b: number): string {
    // RFC 9112 §5.1: whitespace before the colon MUST be rejected.
    if (b === SP || b === HT) return 'whitespace between a trailer field name and its colon';
    if (b === CR || b === LF) return 'trailer field line without a colon';
    return `invalid character ${byteName(b)} in a trailer field name`;
  }

  // ---------------------------------------------------------------------------------------------
  // Errors

  private truncatedHead(): void {
    // A malformed unfinished line is reported as such, as if its bytes had come in one chunk.
    this.closing = true;
    if (this.pendLen > 0) this.scanPending(this.maxHeaderBytes - this.headBytes);
    if (this.received === 0) this.fail('truncated', 'connection closed before any response byte');
    const bytes = this.headBytes + this.pendLen;
    if (bytes === 0) {
      this.fail(
        'truncated',
        `connection closed after ${this.interimCount} interim (1xx) response(s), before the final response head`,
      );
    }
    this.fail('truncated', `connection closed in the response head (${bytes} bytes)`);
  }

  private fail(code: ParseError['code'], message: string): never {
    const error = new ParseError(code, message);
    this.error = error;
    this.state = S_ERROR;
    throw error;
  }
}

function limitOption(value: number | undefined, name: string): number {
  if (value === undefined) return 65536;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`ParserOptions.${name} must be a positive integer, got ${value}`);
  }
  return value;
}
