import { displayWidth } from './sanitize.js';

/**
 * Fitting already-sanitized, single-line text into terminal columns (see sanitize.ts for what
 * "sanitized" means and for the width of a code point).
 */

const ELLIPSIS = '…';
/** SGR sequences our own colouring adds (chalk level 1): zero width. */
const SGR = /\x1b\[[0-9;]*m/g;

/** The longest prefix of `text` at most `width` columns wide. */
export function headOfWidth(text: string, width: number): string {
  if (width <= 0) return '';
  let used = 0;
  let end = 0;
  for (const ch of text) {
    const w = displayWidth(ch);
    if (used + w > width) break;
    used += w;
    end += ch.length;
  }
  return text.slice(0, end);
}

/** The longest suffix of `text` at most `width` columns wide. */
export function tailOfWidth(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = Array.from(text);
  let used = 0;
  let start = chars.length;
  while (start > 0) {
    const w = displayWidth(chars[start - 1] ?? '');
    if (used + w > width) break;
    used += w;
    start--;
  }
  return chars.slice(start).join('');
}

/** Cut at the end to `width` columns, ending with `…` when cut. */
export function truncateEnd(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  return width <= 0 ? '' : headOfWidth(text, width - 1) + ELLIPSIS;
}

/** `[METHOD ]scheme://authority`: what a shortened target keeps first. */
const TARGET_HEAD = /^(?:[A-Z][A-Z0-9!#$%&'*+.^_`|~-]* )?[a-z][a-z0-9+.-]*:\/\/[^/?#\s]*/i;
/** The end of the URL kept at least, so targets that differ only at the end stay apart. */
const MIN_TAIL = 5;

/**
 * A target in at most `width` columns, cut in the middle: the method, scheme and host stay
 * whole, then `…`, then as much of the END of the URL as fits, query included
 * (`http://api.example.com…&item=1042`), because two URLs of one list usually differ at their
 * very end (at 80 columns `…&item=1` and `…&item=2` once became the same
 * text). When even the head leaves no room for {@link MIN_TAIL} columns of the rest, the head is
 * cut at its end (the port goes first). Text that is not a URL (a name, an invalid input) is cut
 * in the middle: 40 % head, 60 % tail.
 */
export function shortenMiddle(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 1) return headOfWidth(ELLIPSIS, width);
  const head = TARGET_HEAD.exec(text)?.[0];
  if (head === undefined) {
    const room = width - 1;
    const headWidth = Math.floor(room * 0.4);
    return headOfWidth(text, headWidth) + ELLIPSIS + tailOfWidth(text, room - headWidth);
  }
  const rest = text.slice(head.length);
  const headWidth = displayWidth(head);
  if (headWidth + 1 + MIN_TAIL <= width) return head + ELLIPSIS + tailOfWidth(rest, width - headWidth - 1);
  // The head alone nearly fills the room: keep its start, then the end of the URL.
  const tail = tailOfWidth(rest, Math.min(MIN_TAIL, width - 2));
  return headOfWidth(head, width - 1 - displayWidth(tail)) + ELLIPSIS + tail;
}

/** Tokens that never start a line: the summary's separator and units. */
const GLUED = /^(?:·|ms|s|B|KiB|MiB|GiB|TiB|req\/s)$/;
/** A count or figure (`1`, `1),`, `2.5`), which stays with the label before it (`timeout 1)`, `p50 22`). */
const FIGURE = /^\d[\d.,]*\)?,?$/;
/** A word after which a new group starts, so a figure after it is not glued back (`ok, 4 failed`). */
const GROUP_END = /[,:·]$/;

/** Columns of text that may hold our own SGR colour codes. */
export function visibleWidth(text: string): number {
  return displayWidth(text.replace(SGR, ''));
}

/**
 * Word-wraps one line to `width` columns, breaking at spaces only (a word wider than a line is
 * cut, as a last resort). A ` · ` separator, a unit and a figure stay with the word before them, so
 * no line starts with `·` or `ms` and no count is split from its label (`timeout` / `1)`). Colour
 * codes count as zero width.
 */
export function wrapWords(text: string, width: number): string[] {
  // Units and separators glue onto the previous word for good (`25 ms`, `8.9 req/s`, `ok ·`);
  // figures glue onto their label (`timeout 1)`) only while the pair fits on a line.
  const units: string[] = [];
  for (const w of text.split(' ')) {
    const last = units.length - 1;
    if (last >= 0 && GLUED.test(w.replace(SGR, ''))) units[last] = `${units[last]} ${w}`;
    else units.push(w);
  }
  // A figure after a label joins it (`timeout 1)`, `p50 22 ms`); a figure that starts a group
  // takes the next word instead (`2 ok,`, `4 failed`).
  const groups: string[][] = [];
  let open = false;
  for (const u of units) {
    const group = groups[groups.length - 1];
    const plain = u.replace(SGR, '');
    const previous = group?.[group.length - 1]?.replace(SGR, '') ?? '';
    const figure = FIGURE.test(plain.split(' ')[0] ?? '');
    if (group !== undefined && (open || (figure && !GROUP_END.test(previous)))) {
      group.push(u);
      open = false;
    } else {
      groups.push([u]);
      open = figure && !GROUP_END.test(plain);
    }
  }
  const tokens: string[] = [];
  for (const group of groups) {
    const joined = group.join(' ');
    if (group.length > 1 && visibleWidth(joined) > width) tokens.push(...group);
    else tokens.push(joined);
  }
  const lines: string[] = [];
  let line = '';
  let lineWidth = 0;
  for (const token of tokens) {
    const w = visibleWidth(token);
    if (line !== '' && lineWidth + 1 + w <= width) {
      line += ` ${token}`;
      lineWidth += 1 + w;
      continue;
    }
    if (line !== '') lines.push(line);
    if (w <= width) {
      line = token;
      lineWidth = w;
    } else {
      // A single word wider than the line: cut it (after dropping colour: rare, plain is safer).
      let rest = token.replace(SGR, '');
      while (displayWidth(rest) > width) {
        // At least one character per line, even one wider than `width`: never loop forever.
        const piece = headOfWidth(rest, width) || Array.from(rest)[0] || '';
        lines.push(piece);
        rest = rest.slice(piece.length);
      }
      line = rest;
      lineWidth = displayWidth(rest);
    }
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines;
}

/**
 * Wraps one line of plain text (a failure's reason) to `width` columns, breaking at spaces only;
 * a single word wider than a line is cut, as a last resort. Unlike {@link wrapWords} it knows no
 * summary-specific glue: a reason is prose. Runs of spaces collapse at a break, not inside a line.
 */
export function wrapText(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const lines: string[] = [];
  let line = '';
  let lineWidth = 0;
  for (const word of text.split(' ')) {
    if (word === '') {
      // Keep inner runs of spaces as they were while they fit on the line.
      if (line !== '' && lineWidth + 1 <= w) {
        line += ' ';
        lineWidth++;
      }
      continue;
    }
    const ww = displayWidth(word);
    const sep = line === '' || line.endsWith(' ') ? 0 : 1;
    if (line !== '' && lineWidth + sep + ww <= w) {
      line += sep === 1 ? ` ${word}` : word;
      lineWidth += sep + ww;
      continue;
    }
    if (line !== '') lines.push(line.trimEnd());
    let rest = word;
    while (displayWidth(rest) > w) {
      // At least one character per line, even one wider than `w`: never loop forever.
      const piece = headOfWidth(rest, w) || Array.from(rest)[0] || '';
      lines.push(piece);
      rest = rest.slice(piece.length);
    }
    line = rest;
    lineWidth = displayWidth(rest);
  }
  if (line.trimEnd() !== '' || lines.length === 0) lines.push(line.trimEnd());
  return lines;
}
