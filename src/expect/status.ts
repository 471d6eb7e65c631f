import { describeValue, quote } from '../describe.js';

/** A parsed status spec: inclusive ranges, and the spec normalized for messages. */
export interface StatusSpec {
  ranges: Array<[number, number]>;
  /** Parts trimmed and joined with `,`, e.g. `"2xx,304"`. */
  text: string;
}

// One part: a class (`2xx`), a code (`204`) or a range (`200-299`). Codes are 3 digits.
const PART = /^(?:([1-5])xx|(\d{3})(?:\s*-\s*(\d{3}))?)$/i;
const HINT = '(use e.g. 200, 200-299, 2xx or a comma list)';

/**
 * Parses `"200,204"`, `"200-299"`, `"2xx,3xx"` and mixes. Codes must be 100–599: RFC 9110 §15
 * defines only those classes, and a spec like `700` is surely a typo.
 * @throws Error naming the bad part.
 */
export function parseStatusSpec(spec: string | number): StatusSpec {
  if (typeof spec === 'number') {
    checkCode(spec, String(spec));
    return { ranges: [[spec, spec]], text: String(spec) };
  }
  if (typeof spec !== 'string') {
    throw new Error(`status spec must be a string like "200-299", got ${describeValue(spec)}`);
  }
  if (spec.trim() === '') throw new Error(`empty status spec ${HINT}`);
  const ranges: Array<[number, number]> = [];
  const texts: string[] = [];
  for (const raw of spec.split(',')) {
    const part = raw.trim();
    if (part === '') throw new Error(`empty part in status spec ${quote(spec)} ${HINT}`);
    const match = PART.exec(part);
    if (match === null) throw new Error(`bad status ${quote(part)} in ${quote(spec)} ${HINT}`);
    if (match[1] !== undefined) {
      const lo = Number(match[1]) * 100;
      ranges.push([lo, lo + 99]);
      texts.push(`${match[1]}xx`);
      continue;
    }
    const lo = Number(match[2]);
    const hi = match[3] === undefined ? lo : Number(match[3]);
    checkCode(lo, `${quote(part)} in ${quote(spec)}`);
    checkCode(hi, `${quote(part)} in ${quote(spec)}`);
    if (lo > hi) throw new Error(`status range ${quote(part)} in ${quote(spec)} is backwards`);
    ranges.push([lo, hi]);
    texts.push(lo === hi ? String(lo) : `${lo}-${hi}`);
  }
  return { ranges, text: texts.join(',') };
}

function checkCode(code: number, where: string): void {
  if (!Number.isInteger(code) || code < 100 || code > 599) {
    throw new Error(`status ${where} is not a code from 100 to 599`);
  }
}
