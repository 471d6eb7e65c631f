import type { Expectation, JsonCheck } from './types.js';
import { describeValue, isPlainObject } from '../describe.js';
import { buildJsonCheck } from './json-path.js';
import { parseUserRegex } from './regex.js';

/**
 * The content checks of a JSON `expect` object (`json`, `bodyMatches`), written into `result`.
 * Each one given replaces the fallback's; an empty `json` object removes the fallback's checks.
 * @throws Error naming the field (`field "expect.json": …`)
 */
export function contentExpectations(obj: Record<string, unknown>, result: Expectation): void {
  const { json, bodyMatches } = obj;
  if (json !== undefined) {
    const checks = jsonChecks(json);
    if (checks.length > 0) result.json = checks;
    else delete result.json;
  }
  if (bodyMatches !== undefined) {
    if (typeof bodyMatches !== 'string' || bodyMatches === '') {
      throw new Error(
        `field "expect.bodyMatches" must be a non-empty regular expression string, got ${describeValue(bodyMatches)}`,
      );
    }
    try {
      result.bodyMatches = parseUserRegex(bodyMatches);
    } catch (err) {
      throw new Error(`field "expect.bodyMatches": ${(err as Error).message}`, { cause: err });
    }
  }
}

function jsonChecks(json: unknown): JsonCheck[] {
  if (!isPlainObject(json)) {
    throw new Error(`field "expect.json" must be an object of JSONPath → value, got ${describeValue(json)}`);
  }
  const checks: JsonCheck[] = [];
  for (const [path, expected] of Object.entries(json)) {
    try {
      checks.push(buildJsonCheck(path, expected));
    } catch (err) {
      throw new Error(`field "expect.json": ${JSON.stringify(path)}: ${(err as Error).message}`, { cause: err });
    }
  }
  return checks;
}
