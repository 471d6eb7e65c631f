import vm from 'node:vm';

/**
 * A user's regular expression (`expect.bodyMatches`, `--expect-match`, `{"matches": …}`): the
 * pattern as written, or `/pattern/flags` to give flags (`/^ok$/im`). `g` and `y` are dropped:
 * they make `test()` remember where it stopped, so the same text could match once and then not.
 * @throws Error saying why the pattern is not a valid regular expression
 */
export function parseUserRegex(text: string): RegExp {
  const literal = /^\/(.+)\/([a-z]*)$/s.exec(text);
  const source = literal === null ? text : literal[1]!;
  const flags = literal === null ? '' : literal[2]!.replace(/[gy]/g, '');
  try {
    return new RegExp(source, flags);
  } catch (err) {
    // V8 says "Invalid regular expression: /(/: Unterminated group"; keep the reason only.
    const reason = (err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
    throw new Error(`${JSON.stringify(text)} is not a valid regular expression: ${reason}`);
  }
}

/** Longest a user's regular expression may run on one text. */
export const REGEX_TIME_LIMIT_MS = 1000;

let context: vm.Context | null = null;
const script = new vm.Script('re.test(text)');

/**
 * `re.test(text)`, stopped after {@link REGEX_TIME_LIMIT_MS}: the pattern is the user's but the
 * text is a server's, and a pattern that backtracks catastrophically (`^(a+)+$`) on a crafted
 * body would otherwise hang the whole run. V8 checks for termination inside the regex engine,
 * so vm's watchdog stops it. Costs some tens of µs per call; called once per check.
 * @returns the match result, or null when it ran out of time
 */
export function testWithin(re: RegExp, text: string): boolean | null {
  context ??= vm.createContext({ re: null, text: '' });
  context.re = re;
  context.text = text;
  try {
    return script.runInContext(context, { timeout: REGEX_TIME_LIMIT_MS }) === true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return null;
    throw err;
  } finally {
    // Nothing of the body stays reachable from the shared context.
    context.re = null;
    context.text = '';
  }
}
