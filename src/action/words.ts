import { UsageError } from '../errors.js';

/**
 * Splits an Action input into words as a shell splits a command line, without expanding
 * anything: blanks (space, tab, newline) separate words; `'…'` keeps everything literally;
 * `"…"` keeps everything but `\"` and `\\`, which lose their backslash; outside quotes a
 * backslash keeps the next character. One pass, linear in the input.
 * @throws UsageError naming the input for an unmatched quote or a trailing backslash.
 */
export function splitWords(text: string, input: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end === -1) throw new UsageError(`the ${input} input has an unmatched ' quote`);
      word += text.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        const d = text[j]!;
        if (d === '\\' && (text[j + 1] === '"' || text[j + 1] === '\\')) {
          word += text[j + 1];
          j++;
        } else {
          word += d;
        }
      }
      if (j >= text.length) throw new UsageError(`the ${input} input has an unmatched " quote`);
      i = j;
    } else if (c === '\\') {
      if (i + 1 >= text.length) throw new UsageError(`the ${input} input ends in a backslash`);
      word += text[i + 1];
      i++;
    } else {
      word += c;
    }
  }
  if (inWord) words.push(word);
  return words;
}
