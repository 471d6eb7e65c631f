/**
 * Where a JSON text stops being valid. V8's `JSON.parse` messages in Node 20 do not always carry a
 * position, and never a line and column, so after a parse fails we scan the text ourselves. The
 * scanner follows RFC 8259's grammar exactly (it is tested against `JSON.parse` on random input)
 * and is iterative, so deep nesting cannot overflow the stack.
 */

export interface JsonErrorLocation {
  /** UTF-16 offset of the problem in the text. */
  offset: number;
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  column: number;
  /** What is wrong, e.g. `expected "," or "}" after a property value, got "]"`. */
  message: string;
}

interface Failure {
  offset: number;
  message: string;
}

/** The first error in `text` with its line and column, or null when `text` is valid JSON. */
export function locateJsonError(text: string): JsonErrorLocation | null {
  const failure = findJsonError(text);
  if (failure === null) return null;
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < failure.offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { offset: failure.offset, line, column: failure.offset - lineStart + 1, message: failure.message };
}

/** Shows one character in a message. */
function show(char: string | undefined): string {
  if (char === undefined) return 'end of input';
  return JSON.stringify(char);
}

function isDigit(char: string | undefined): boolean {
  return char !== undefined && char >= '0' && char <= '9';
}

const ESCAPES = '"\\/bfnrt';
const HEX4 = /^[0-9a-fA-F]{4}$/;

/** Scans `text`; returns the first failure, or null when it is one valid JSON value. */
export function findJsonError(text: string): Failure | null {
  const n = text.length;
  // One bit per open bracket (1 = `{`), not an array entry: a 128 MiB run of `[` needs 16 MiB here,
  // where an array of 128M entries did not fit in V8's heap.
  const stack = new BitStack();
  let i = 0;
  const fail = (offset: number, message: string): Failure => ({ offset, message });
  const skipSpace = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      i++;
    }
  };
  const scanString = (): Failure | null => {
    const start = i;
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return null;
      }
      if (c === 0x5c) {
        const escaped = text[i + 1];
        if (escaped === undefined) break;
        if (escaped === 'u') {
          if (!HEX4.test(text.slice(i + 2, i + 6))) return fail(i, 'bad \\u escape (needs 4 hex digits)');
          i += 6;
          continue;
        }
        if (!ESCAPES.includes(escaped)) return fail(i, `bad escape ${JSON.stringify(`\\${escaped}`)} in a string`);
        i += 2;
        continue;
      }
      if (c < 0x20) {
        return c === 0x0a
          ? fail(start, 'unterminated string (line break before the closing quote)')
          : fail(i, 'control character in a string (escape it)');
      }
      i++;
    }
    return fail(start, 'unterminated string');
  };
  const scanNumber = (): Failure | null => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else if (isDigit(text[i])) while (isDigit(text[i])) i++;
    else return fail(i, `expected a digit, got ${show(text[i])}`);
    if (text[i] === '.') {
      i++;
      if (!isDigit(text[i])) return fail(i, `expected a digit after ".", got ${show(text[i])}`);
      while (isDigit(text[i])) i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (!isDigit(text[i])) return fail(i, `expected a digit in the exponent, got ${show(text[i])}`);
      while (isDigit(text[i])) i++;
    }
    return null;
  };
  /** A property name and its colon; leaves `i` where the value starts. */
  const scanKey = (): Failure | null => {
    skipSpace();
    if (i >= n) return fail(n, 'unexpected end of input, expected a property name');
    if (text[i] !== '"') return fail(i, `expected a property name in double quotes, got ${show(text[i])}`);
    const error = scanString();
    if (error !== null) return error;
    skipSpace();
    if (i >= n) return fail(n, 'unexpected end of input, expected ":" after the property name');
    if (text[i] !== ':') return fail(i, `expected ":" after the property name, got ${show(text[i])}`);
    i++;
    return null;
  };

  let needValue = true;
  for (;;) {
    skipSpace();
    if (needValue) {
      if (i >= n) return fail(n, 'unexpected end of input, expected a value');
      const c = text[i] ?? '';
      needValue = false;
      if (c === '{' || c === '[') {
        i++;
        skipSpace();
        if (text[i] === (c === '{' ? '}' : ']')) {
          i++;
          continue;
        }
        stack.push(c === '{');
        needValue = true;
        if (c === '{') {
          const error = scanKey();
          if (error !== null) return error;
        }
        continue;
      }
      let error: Failure | null = null;
      if (c === '"') error = scanString();
      else if (c === '-' || isDigit(c)) error = scanNumber();
      else if (text.startsWith('true', i)) i += 4;
      else if (text.startsWith('false', i)) i += 5;
      else if (text.startsWith('null', i)) i += 4;
      else if (c === "'") error = fail(i, `unexpected "'" (JSON strings use double quotes)`);
      else error = fail(i, `unexpected ${show(c)}, expected a value`);
      if (error !== null) return error;
      continue;
    }
    if (stack.length === 0) {
      return i < n ? fail(i, `unexpected ${show(text[i])} after the end of the JSON value`) : null;
    }
    const top = stack.top() ? '{' : '[';
    const close = top === '{' ? '}' : ']';
    const c = text[i];
    if (c === close) {
      stack.pop();
      i++;
      continue;
    }
    if (c === ',') {
      i++;
      skipSpace();
      if (text[i] === close) return fail(i, `trailing comma before ${show(close)}`);
      needValue = true;
      if (top === '{') {
        const error = scanKey();
        if (error !== null) return error;
      }
      continue;
    }
    const after = top === '{' ? 'a property value' : 'an array element';
    if (c === undefined) return fail(n, `unexpected end of input, expected "," or ${show(close)}`);
    return fail(i, `expected "," or ${show(close)} after ${after}, got ${show(c)}`);
  }
}

/** A stack of booleans, one bit each, growing by doubling. */
class BitStack {
  private bits = new Uint8Array(64);
  length = 0;

  push(value: boolean): void {
    const byte = this.length >>> 3;
    if (byte >= this.bits.length) {
      const grown = new Uint8Array(this.bits.length * 2);
      grown.set(this.bits);
      this.bits = grown;
    }
    const mask = 1 << (this.length & 7);
    this.bits[byte] = value ? (this.bits[byte] ?? 0) | mask : (this.bits[byte] ?? 0) & ~mask;
    this.length++;
  }

  /** The top value; only called when not empty. */
  top(): boolean {
    const i = this.length - 1;
    return (((this.bits[i >>> 3] ?? 0) >>> (i & 7)) & 1) === 1;
  }

  pop(): void {
    this.length--;
  }
}
