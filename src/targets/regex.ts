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
