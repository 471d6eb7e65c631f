import { RE2JS } from 're2js';

/**
 * A user's regular expression (`expect.bodyMatches`, `--expect-match`, `{"matches": …}`, a header
 * rule's `matches`) runs on a server's text, so it runs on a linear-time engine: RE2's (re2js,
 * a pure-JS port), whose cost grows with the text's length whatever the pattern — `^(a+)+$` on
 * 1 MiB of `a` then `!` takes milliseconds, where V8's backtracking engine would take forever
 * (under the old 1 s watchdog, each such body stalled every other target for a second).
 *
 * The dialect is JavaScript's syntax as far as RE2 can run it: classes, `\d \w \s \b`, `\p{…}`,
 * groups and named groups, alternation, bounded repeats up to 1000, flags `i`, `m`, `s` (`u`,
 * `g`, `y`, `d` accepted and ignored). Backreferences (`\1`, `\k<name>`), lookahead and
 * lookbehind, and possessive forms cannot be matched in linear time: such a pattern is refused
 * when it is read, with a message naming it.
 *
 * The public types keep a `RegExp` (what a library caller builds and what messages show); its
 * RE2 form is compiled once and kept beside it.
 */

const compiled = new WeakMap<RegExp, RE2JS>();

/**
 * The pattern as written, or `/pattern/flags` to give flags (`/^ok$/im`). `g` and `y` are dropped:
 * they make `test()` remember where it stopped, so the same text could match once and then not.
 * @throws Error saying why the pattern is not a valid regular expression, or not one RE2 can run
 */
export function parseUserRegex(text: string): RegExp {
  const literal = /^\/(.+)\/([a-z]*)$/s.exec(text);
  const source = literal === null ? text : literal[1]!;
  const flags = literal === null ? '' : literal[2]!.replace(/[gy]/g, '');
  let re: RegExp;
  try {
    // redos: never matched by V8; only validated and shown. linearTest() runs its RE2 form.
    re = new RegExp(source, flags);
  } catch (err) {
    // V8 says "Invalid regular expression: /(/: Unterminated group"; keep the reason only.
    const reason = (err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
    throw new Error(`${JSON.stringify(text)} is not a valid regular expression: ${reason}`);
  }
  linearRegex(re, text);
  return re;
}

/**
 * The RE2 form of `re`, compiled on first use and kept.
 * @param shown how the pattern is named in an error (as the user wrote it)
 * @throws Error naming the pattern when RE2 cannot run it
 */
export function linearRegex(re: RegExp, shown = String(re)): RE2JS {
  let linear = compiled.get(re);
  if (linear !== undefined) return linear;
  let flags = 0;
  for (const flag of re.flags) {
    if (flag === 'i') flags |= RE2JS.CASE_INSENSITIVE;
    else if (flag === 'm') flags |= RE2JS.MULTILINE;
    else if (flag === 's') flags |= RE2JS.DOTALL;
    else if (flag === 'v') throw new Error(`${JSON.stringify(shown)}: the "v" flag is not supported (use "u")`);
  }
  // re2js's translation takes `\k<name>` for the letter k; it is a backreference in JavaScript.
  if (namedBackreference(re.source)) {
    throw new Error(
      `${JSON.stringify(shown)} cannot be matched in linear time (\\k<name>): backreferences, lookahead and lookbehind are not supported`,
    );
  }
  try {
    linear = RE2JS.compile(RE2JS.translateRegExp(re.source), flags);
  } catch (err) {
    // re2js says "error parsing regexp: invalid escape sequence: `\1`"; keep what and where.
    const reason = (err as Error).message.replace(/^error parsing regexp: /, '');
    throw new Error(
      `${JSON.stringify(shown)} cannot be matched in linear time (${reason}): backreferences, lookahead and lookbehind are not supported`,
    );
  }
  compiled.set(re, linear);
  return linear;
}

/** Whether `source` has a `\k` escape (one walk, escapes skipped in pairs). */
function namedBackreference(source: string): boolean {
  for (let i = 0; i < source.length; i++) {
    if (source.charCodeAt(i) !== 92 /* \ */) continue;
    if (source[i + 1] === 'k') return true;
    i++;
  }
  return false;
}

/** Whether `re` matches somewhere in `text`, in time linear in `text`. */
export function linearTest(re: RegExp, text: string): boolean {
  return linearRegex(re).test(text);
}
