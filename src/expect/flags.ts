import { quote } from '../describe.js';
import { checkBudget, parseFlagDuration } from '../duration.js';
import { OptionError } from '../errors.js';
import { trimOws, validateHeaderName } from '../header.js';
import { headerRule } from './header.js';
import { buildJsonCheck, splitJsonFlag } from './json-path.js';
import { statusOnly } from './parse.js';
import { parseUserRegex } from './regex.js';
import type { Expectation, HeaderRule, JsonCheck } from './types.js';

/** The text of the CLI's expectation flags, as given; a flag not given is undefined (or empty). */
export interface ExpectFlagText {
  /** `--expect <spec>` */
  expect?: string | undefined;
  /** `--expect-body <text>` */
  expectBody?: string | undefined;
  /** `--expect-time <dur>` */
  expectTime?: string | undefined;
  /** `--expect-header "Name: value"`, each use */
  expectHeader: readonly string[];
  /** `--expect-json '$.path=<json>'`, each use */
  expectJson: readonly string[];
  /** `--expect-match <regex>` */
  expectMatch?: string | undefined;
}

/**
 * The expectation the CLI's flags give, compiled once with the readers a target file's `expect`
 * uses: only the fields given (they override a file's `defaults.expect` field by field).
 * --expect-json and --expect-match are a file's `json` and `bodyMatches`; --expect-body,
 * --expect-time and --expect-header its `bodyIncludes`, `maxTime` and `header` (a header may be
 * given twice here, as a file's object cannot).
 * @throws OptionError naming the flag, for the first bad one
 */
export function expectationFromFlags(flags: ExpectFlagText): Partial<Expectation> {
  const given: Partial<Expectation> = {};
  if (flags.expect !== undefined) {
    const status = flags.expect;
    const built = flagValue('--expect', () => statusOnly(status));
    given.status = built.status;
    given.statusText = built.statusText;
  }
  const body = flags.expectBody;
  if (body !== undefined) {
    if (body === '') throw new OptionError('--expect-body', '--expect-body needs some text');
    given.bodyIncludes = body;
  }
  const time = flags.expectTime;
  if (time !== undefined) {
    // A bare number is seconds here; a budget under 10 ms is refused as in --timeout.
    given.maxTime = flagValue('--expect-time', () => {
      const ms = parseFlagDuration(time);
      return checkBudget(ms, ms);
    });
  }
  if (flags.expectHeader.length > 0) given.header = flags.expectHeader.map(headerFlag);
  if (flags.expectJson.length > 0) given.json = jsonFlags(flags.expectJson);
  const match = flags.expectMatch;
  if (match !== undefined) given.bodyMatches = flagValue('--expect-match', () => parseUserRegex(match));
  return given;
}

/** `--expect-header "Name: value"`: the value as a file's string form (exact, or up to `;`). */
function headerFlag(text: string): HeaderRule {
  const colon = text.indexOf(':');
  const name = colon === -1 ? '' : text.slice(0, colon).trim();
  if (colon === -1 || validateHeaderName(name) !== null) {
    throw new OptionError('--expect-header', `--expect-header ${quote(text)}: use "Name: value"`);
  }
  const value = trimOws(text.slice(colon + 1));
  return flagValue('--expect-header', () => headerRule(name.toLowerCase(), value, name));
}

/** Each `--expect-json '$.path=<json>'`, in the order given; a path given twice is refused. */
function jsonFlags(texts: readonly string[]): JsonCheck[] {
  const seen = new Set<string>();
  return texts.map((text) =>
    flagValue('--expect-json', () => {
      const { path, value } = splitJsonFlag(text);
      if (seen.has(path)) throw new Error(`${quote(path)} is given twice`);
      seen.add(path);
      return buildJsonCheck(path, value);
    }),
  );
}

/** Runs `read`; an Error becomes an OptionError naming the flag (`--expect-json: …`). */
function flagValue<T>(flag: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof OptionError) throw err;
    throw new OptionError(flag, `${flag}: ${(err as Error).message}`, { cause: err });
  }
}
