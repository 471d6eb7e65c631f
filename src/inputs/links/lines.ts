/**
 * Line numbers of offsets into text that arrives in pieces, asked for in increasing order (a
 * tokenizer's tag positions): each character is looked at once, whatever the number of questions,
 * and only the current piece and the one before are kept.
 */
export class LineCounter {
  private prev = '';
  private prevBase = 0;
  private cur = '';
  private curBase = 0;
  /** Offset up to which newlines have been counted, and the 1-based line there. */
  private at = 0;
  private line: number;

  constructor(firstLine = 1) {
    this.line = firstLine;
  }

  /** The next piece of text (call before the tokenizer is given it). */
  add(text: string): void {
    // Anything not counted yet in the piece about to be dropped is counted now.
    this.advance(this.curBase);
    this.prev = this.cur;
    this.prevBase = this.curBase;
    this.curBase += this.cur.length;
    this.cur = text;
  }

  /** The line of `offset`; an offset before the pieces kept is given the earliest line kept. */
  lineAt(offset: number): number {
    this.advance(offset);
    return this.line;
  }

  private advance(to: number): void {
    while (this.at < to) {
      let text: string;
      let base: number;
      if (this.at >= this.curBase) {
        text = this.cur;
        base = this.curBase;
      } else if (this.at >= this.prevBase) {
        text = this.prev;
        base = this.prevBase;
      } else {
        this.at = this.prevBase;
        continue;
      }
      const end = Math.min(to, base + text.length);
      if (end <= this.at) return;
      for (let nl = text.indexOf('\n', this.at - base); nl !== -1 && nl < end - base; nl = text.indexOf('\n', nl + 1)) {
        this.line++;
      }
      this.at = end;
    }
  }
}
