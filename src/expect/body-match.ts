/**
 * Finds a string in a body that arrives in pieces, keeping only what the search needs: the last
 * `needle.length - 1` bytes of what came before, so a match straddling two reads is found and
 * memory stays bounded whatever the body size.
 */
export class BodyMatcher {
  private readonly needle: Buffer;
  private tail: Buffer = Buffer.alloc(0);
  found = false;

  constructor(text: string) {
    this.needle = Buffer.from(text, 'utf8');
    if (this.needle.length === 0) this.found = true;
  }

  push(chunk: Buffer, start: number, end: number): void {
    if (this.found) return;
    const needle = this.needle;
    const keep = needle.length - 1;
    if (this.tail.length > 0) {
      // Only the bytes that could complete a match begun in the tail need joining.
      const head = chunk.subarray(start, Math.min(end, start + keep));
      const joined = Buffer.concat([this.tail, head]);
      if (joined.indexOf(needle) !== -1) {
        this.found = true;
        return;
      }
    }
    const piece = chunk.subarray(start, end);
    if (piece.indexOf(needle) !== -1) {
      this.found = true;
      return;
    }
    if (keep === 0) return;
    if (piece.length >= keep) {
      this.tail = Buffer.from(piece.subarray(piece.length - keep));
    } else {
      const joined = Buffer.concat([this.tail, piece]);
      this.tail = Buffer.from(joined.subarray(Math.max(0, joined.length - keep)));
    }
  }
}
