/**
 * The line each target of a whole JSON document starts on, so a result can point at its target
 * in the file (GitHub annotations carry `file=…,line=…`). `JSON.parse` keeps no positions, so
 * the text is scanned once more: one pass, iterative, no regular expression — linear in the
 * document whatever its nesting. The text has already parsed as JSON; the scan relies on that.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

/**
 * For a document that is an array of targets, or an object whose `"targets"` member is one (the
 * last such member, as `JSON.parse` keeps the last of duplicate keys): the 1-based line of each
 * element's first character, in order. `skippedLines`: lines before `text` in its source.
 */
export function targetLines(text: string, skippedLines = 0): number[] {
  const n = text.length;
  let lines: number[] = [];
  let line = 1 + skippedLines;
  let depth = 0;
  // The depth inside the target array (1: the document is the array; 2: it is `"targets"`); -1
  // while outside it.
  let targetDepth = -1;
  let topIsObject = false;
  // The last significant character before this one (0 at the start), and the last key read at
  // depth 1 of a top-level object.
  let prev = 0;
  let key: string | null = null;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === NEWLINE) {
      line++;
      continue;
    }
    if (c === 0x20 || c === 0x09 || c === 0x0d) continue;
    if (depth === targetDepth && c !== 0x2c /* , */ && c !== 0x5d /* ] */ && (prev === 0x5b /* [ */ || prev === 0x2c)) {
      lines.push(line);
    }
    if (c === QUOTE) {
      const start = i;
      // JSON strings hold no raw newline: only the closing quote, past escapes, is looked for.
      for (i++; i < n; i++) {
        const s = text.charCodeAt(i);
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
      if (depth === 1 && topIsObject && (prev === 0x7b /* { */ || prev === 0x2c)) {
        key = JSON.parse(text.slice(start, i + 1)) as string;
      }
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (depth === 0) {
        topIsObject = c === 0x7b;
        if (!topIsObject) targetDepth = 1;
      } else if (depth === 1 && topIsObject && c === 0x5b && prev === 0x3a /* : */ && key === 'targets') {
        targetDepth = 2;
        lines = [];
      }
      depth++;
    } else if (c === 0x5d || c === 0x7d /* } */) {
      depth--;
      if (depth === 1 && targetDepth === 2) targetDepth = -2; // closed; a later "targets" may open again
    }
    prev = c;
  }
  return lines;
}
