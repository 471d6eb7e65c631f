import { UsageError } from '../errors.js';
import type { TargetInput, TargetObject } from '../types.js';
import { describeValue, isPlainObject, quote } from './describe.js';
import { locateJsonError } from './json-position.js';
import { checkFileDefaults } from './normalize.js';
import type { SourceItem } from './source-item.js';

// "$schema" points editors at schema/targets.schema.json; fetch-many itself has no use for it.
const DOCUMENT_KEYS = new Set(['targets', 'defaults', '$schema']);

/**
 * Parses a whole JSON document (a `.json` file, or stdin starting with `[` / a multi-line `{`).
 * @throws UsageError `label:line:col: what` when it is not JSON.
 */
export function parseJsonDocument(text: string, label: string): unknown {
  // A UTF-8 BOM is common in files saved on Windows; JSON.parse would reject it (RFC 8259 §8.1
  // lets a parser ignore it). Editors do not show it, so columns are counted without it.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (err) {
    const where = locateJsonError(body);
    if (where === null) throw new UsageError(`${label}: ${(err as Error).message}`, { cause: err });
    throw new UsageError(`${label}:${where.line}:${where.column}: ${where.message}`, { cause: err });
  }
}

/**
 * Turns a parsed document into items. Accepted shapes: an array of targets, or
 * `{"targets": [...], "defaults": {...}}` (defaults optional). Anything else is a usage error
 * naming the file: better to stop than to run half of what was meant.
 */
export function documentItems(value: unknown, label: string): SourceItem[] {
  if (Array.isArray(value)) return value.map((input: unknown) => ({ input: input as TargetInput }));
  if (!isPlainObject(value)) {
    throw new UsageError(`${label}: expected an array of targets or {"targets": [...]}, got ${describeValue(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!DOCUMENT_KEYS.has(key)) {
      throw new UsageError(
        `${label}: unknown key ${quote(key)} (expected "targets" and optional "defaults"; ` +
          'for one target per line, put each JSON object on its own line)',
      );
    }
  }
  const { targets, defaults } = value;
  if (value.$schema !== undefined && typeof value.$schema !== 'string') {
    throw new UsageError(
      `${label}: "$schema" must be a string (the schema's URL or path), got ${describeValue(value.$schema)}`,
    );
  }
  if (!Array.isArray(targets)) {
    throw new UsageError(`${label}: "targets" must be an array, got ${describeValue(targets)}`);
  }
  if (defaults === undefined) return targets.map((input: unknown) => ({ input: input as TargetInput }));
  const problem = checkFileDefaults(defaults);
  if (problem !== null) throw new UsageError(`${label}: ${problem}`);
  const fileDefaults = defaults as TargetObject;
  return targets.map((input: unknown) => ({ input: input as TargetInput, fileDefaults }));
}
