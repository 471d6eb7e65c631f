import { OptionError } from '../errors.js';
import { quote } from '../targets/describe.js';
import { buildJsonCheck, splitJsonFlag } from '../targets/json-path.js';
import { parseUserRegex } from '../targets/regex.js';
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
