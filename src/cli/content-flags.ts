import { OptionError } from '../errors.js';
import { quote } from '../describe.js';
import { buildJsonCheck, splitJsonFlag } from '../expect/json-path.js';
import { parseUserRegex } from '../expect/regex.js';
import { parseStatusSpec } from '../expect/status.js';
import type { RawOptions } from './program.js';

/** `--expect-json` and `--expect-match`, as the `json` / `bodyMatches` of a target file's `expect`. */
export interface ContentFlags {
  json?: Record<string, unknown>;
  bodyMatches?: string;
}

/**
 * Reads and checks `--expect-json` (repeatable) and `--expect-match`, so a bad one is reported
 * under its own flag; null when neither is given.
 * @throws OptionError naming the flag
 */
export function contentFlags(raw: RawOptions): ContentFlags | null {
  const jsonFlags = raw.expectJson;
  const match = raw.expectMatch;
  const content: ContentFlags = {};
  if (Array.isArray(jsonFlags) && jsonFlags.length > 0) {
    const json: Record<string, unknown> = {};
    for (const text of jsonFlags) {
      try {
        const { path, value } = splitJsonFlag(text);
        if (Object.hasOwn(json, path)) throw new Error(`${quote(path)} is given twice`);
        buildJsonCheck(path, value);
        json[path] = value;
      } catch (err) {
        throw new OptionError('--expect-json', `--expect-json: ${(err as Error).message}`, { cause: err });
      }
    }
    content.json = json;
  }
  if (typeof match === 'string') {
    try {
      parseUserRegex(match);
    } catch (err) {
      throw new OptionError('--expect-match', `--expect-match: ${(err as Error).message}`, { cause: err });
    }
    content.bodyMatches = match;
  }
  return content.json === undefined && content.bodyMatches === undefined ? null : content;
}

/**
 * The run's `expect` input with the content checks added: the object form a target file's
 * `expect` takes, with `--expect`'s status spec (checked here, so its error still names --expect).
 */
export function withContentChecks(expect: unknown, content: ContentFlags): Record<string, unknown> {
  if (expect === undefined) return { ...content };
  try {
    parseStatusSpec(expect as string);
  } catch (err) {
    throw new OptionError('--expect', `--expect: ${(err as Error).message}`, { cause: err });
  }
  return { status: expect, ...content };
}
