/**
 * A byte-level line splitter over stream chunks. `readline` is avoided on purpose: it decodes
 * every chunk to a string first and buffers a whole line however long it is. Here a newline is
 * found with `Buffer.indexOf` (native), a line is decoded only once it is complete, and a line
 * over the limit is reported and skipped without ever being held whole — memory stays bounded
 * by the limit plus one chunk, whatever the input.
 */

/** Lines longer than this many bytes (terminator excluded) are refused. */
export const MAX_LINE_BYTES = 65_536;

/** How much of an overlong line is kept to show in the report. */
const HEAD_BYTES = 100;

export interface LineHandler {
  /** A complete line, UTF-8 decoded, without its LF or CRLF. `lineNo` is 1-based. */
  line(text: string, lineNo: number): void;
  /** A line longer than the limit; `head` is its first bytes, decoded. Reported once per line. */
  overlong(lineNo: number, head: string): void;
}

export class LineSplitter {
  /** The line being assembled from earlier chunks (copied, so big chunks are not retained). */
  private carry: Buffer[] = [];
  private carryBytes = 0;
  /** True while discarding the rest of an overlong line, up to its newline. */
  private skipping = false;
  /** Number of the line currently being read. */
  private lineNo: number;

  /** `firstLineNo`: the number of the first line pushed (lines already skipped by the caller + 1). */
  constructor(
    private readonly handler: LineHandler,
    private readonly maxBytes = MAX_LINE_BYTES,
    firstLineNo = 1,
  ) {
    this.lineNo = firstLineNo;
  }

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl === -1) break;
      if (this.skipping) {
        this.skipping = false;
      } else if (this.carryBytes === 0) {
        this.emit(chunk, start, nl);
      } else {
        this.carry.push(chunk.subarray(start, nl));
        const whole = Buffer.concat(this.carry, this.carryBytes + nl - start);
        this.carry = [];
        this.carryBytes = 0;
        this.emit(whole, 0, whole.length);
      }
      this.lineNo++;
      start = nl + 1;
    }
    if (start < chunk.length && !this.skipping) this.keep(chunk, start);
  }

  /** Call once at end of input: a last line without a newline is still a line. */
  end(): void {
    if (!this.skipping && this.carryBytes > 0) {
      const whole = Buffer.concat(this.carry, this.carryBytes);
      this.emit(whole, 0, whole.length);
    }
    this.carry = [];
    this.carryBytes = 0;
    this.skipping = false;
  }

  private keep(chunk: Buffer, start: number): void {
    const length = chunk.length - start;
    // +1: the line may still end in CR, which is not counted.
    if (this.carryBytes + length > this.maxBytes + 1) {
      // The head may span several small chunks carried so far; at most HEAD_BYTES are joined.
      const head = Buffer.concat([...this.carry, chunk.subarray(start, start + HEAD_BYTES)]).subarray(0, HEAD_BYTES);
      this.handler.overlong(this.lineNo, head.toString('utf8'));
      this.carry = [];
      this.carryBytes = 0;
      this.skipping = true;
      return;
    }
    this.carry.push(Buffer.from(chunk.subarray(start)));
    this.carryBytes += length;
  }

  private emit(buffer: Buffer, start: number, end: number): void {
    // CRLF is tolerated (RFC 9112 §2.2 lets a recipient accept a bare LF as well).
    if (end > start && buffer[end - 1] === 0x0d) end--;
    if (end - start > this.maxBytes) {
      this.handler.overlong(this.lineNo, buffer.toString('utf8', start, Math.min(end, start + HEAD_BYTES)));
      return;
    }
    this.handler.line(buffer.toString('utf8', start, end), this.lineNo);
  }
}
