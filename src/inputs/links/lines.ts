/**
 * Line numbers of offsets into text that arrives in pieces, asked for in increasing order (a
 * tokenizer's token positions). The offsets of the newlines not yet passed are kept — from the
 * last position asked about to the end of what was added — so a token that started several
 * pieces ago still gets its own line; each newline is looked at once. The caller asks at every
 * token (text included), which keeps that list as short as the current token.
 */
export class LineCounter {
  private newlines: number[] = [];
  private head = 0;
  /** Offset of the next piece's first character. */
  private end = 0;
  private line: number;

  constructor(firstLine = 1) {
    this.line = firstLine;
  }

  /** The next piece of text (call before the tokenizer is given it). */
  add(text: string): void {
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', nl + 1)) this.newlines.push(this.end + nl);
    this.end += text.length;
  }

  /** The 1-based line of `offset` (an offset below one asked before gets that one's line). */
  lineAt(offset: number): number {
    const newlines = this.newlines;
    while (this.head < newlines.length && newlines[this.head]! < offset) {
      this.head++;
      this.line++;
    }
    if (this.head > 1024 && this.head * 2 > newlines.length) {
      this.newlines = newlines.slice(this.head);
      this.head = 0;
    }
    return this.line;
  }
}
