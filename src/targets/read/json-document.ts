import { UsageError } from '../../errors.js';
import type { TargetInput, TargetObject } from '../../types.js';
import { deepPreview, MAX_NESTING, tooDeep, tooDeepMessage } from '../depth.js';
import { describeValue, isPlainObject, quote } from '../../describe.js';
import { DeepValue, nestsDeeperThan, parseShallow } from './json-bounded.js';
import { type JsonErrorLocation, locateJsonError } from './json-position.js';
import { checkFileDefaults } from '../normalize.js';
import type { SourceItem } from './source-item.js';
import { type EnvLookup, resolveEnv } from '../env.js';

// "$schema" points editors at schema/targets.schema.json; fetch-many itself has no use for it.
const DOCUMENT_KEYS = new Set(['targets', 'defaults', '$schema']);

/**
 * The largest whole JSON document read (a `.json` file, or stdin that starts with `[` or is a
 * multi-line `{"targets": …}`): 128 MiB. A document is parsed whole, so it is held whole — as
 * bytes, as a string and as objects, several times its size — and past ~512 MB V8 cannot even
 * make it one string. JSON lines (one target per line) are streamed and have no such limit.
 */
export const MAX_DOCUMENT_BYTES = 128 * 1024 * 1024;

/** The usage error for a document over {@link MAX_DOCUMENT_BYTES}. */
export function documentTooLarge(label: string): UsageError {
  return new UsageError(
    `${label}: JSON document larger than ${MAX_DOCUMENT_BYTES / (1024 * 1024)} MiB ` +
      '(put one target per line instead: JSON lines are streamed, without a size limit)',
  );
}

/** Where a document's text starts in its source, when blank lines before it were skipped. */
export interface TextOrigin {
  /** Lines skipped before the text. */
  lines: number;
  /** Characters skipped on the text's first line. */
  columns: number;
}

/**
 * Parses a whole JSON document (a `.json` file, or stdin starting with `[` / a multi-line `{`).
 * @throws UsageError `label:line:col: what` when it is not JSON.
 */
export function parseJsonDocument(text: string, label: string, origin: TextOrigin = { lines: 0, columns: 0 }): unknown {
  // A UTF-8 BOM is common in files saved on Windows; JSON.parse would reject it (RFC 8259 §8.1
  // lets a parser ignore it). Editors do not show it, so columns are counted without it.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  // A valid document nests at most MAX_NESTING + 2 deep ({"targets": [target]}); past that, the
  // parts too deep are left unbuilt (see json-bounded.ts).
  if (nestsDeeperThan(body, MAX_NESTING + 2)) {
    const where = locateJsonError(body);
    if (where !== null) throw syntaxError(label, where, origin);
    return parseShallow(body);
  }
  try {
    return JSON.parse(body);
  } catch (err) {
    const where = locateJsonError(body);
    if (where === null) throw new UsageError(`${label}: ${(err as Error).message}`, { cause: err });
    throw syntaxError(label, where, origin, err);
  }
}

function syntaxError(label: string, where: JsonErrorLocation, origin: TextOrigin, cause?: unknown): UsageError {
  const line = where.line + origin.lines;
  const column = where.line === 1 ? where.column + origin.columns : where.column;
  return new UsageError(`${label}:${line}:${column}: ${where.message}`, { cause });
}

/**
 * Turns a parsed document into items. Accepted shapes: an array of targets, or
 * `{"targets": [...], "defaults": {...}}` (defaults optional). Anything else is a usage error
 * naming the file: better to stop than to run half of what was meant. A target nested deeper
 * than {@link MAX_NESTING} levels is one invalid item naming its place; the others run.
 */
export function documentItems(value: unknown, label: string, lookup?: EnvLookup): SourceItem[] {
  if (Array.isArray(value)) return value.map((input: unknown, i) => item(input, i, label, '', undefined, lookup));
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
  if (defaults === undefined) {
    return targets.map((input: unknown, i) => item(input, i, label, '.targets', undefined, lookup));
  }
  // The defaults apply to every target: too deep there is the whole file's problem.
  const deep = defaults instanceof DeepValue ? defaults.path : tooDeep(defaults);
  if (deep !== null) throw new UsageError(`${label}: "defaults" ${tooDeepMessage(deep.replace('$', '$.defaults'))}`);
  const resolved = lookup === undefined ? defaults : resolveEnv(defaults, lookup, `${label}: "defaults"`);
  const problem = checkFileDefaults(resolved);
  if (problem !== null) throw new UsageError(`${label}: ${problem}`);
  const fileDefaults = resolved as TargetObject;
  return targets.map((input: unknown, i) => item(input, i, label, '.targets', fileDefaults, lookup));
}

/** One element of the document's target array; `prefix` is where that array is (`.targets`). */
function item(
  input: unknown,
  i: number,
  label: string,
  prefix = '',
  fileDefaults?: TargetObject,
  lookup?: EnvLookup,
): SourceItem {
  const deep = input instanceof DeepValue ? input.path : tooDeep(input);
  if (deep !== null) {
    const where = deep.replace('$', `$${prefix}[${i}]`);
    const raw = input instanceof DeepValue ? input.preview : deepPreview(input);
    return { raw, invalid: `${label}: target ${i + 1} ${tooDeepMessage(where)}` };
  }
  const out: SourceItem = { input: input as TargetInput };
  if (fileDefaults !== undefined) out.fileDefaults = fileDefaults;
  if (lookup !== undefined) resolveItem(out, lookup, `${label}: target ${i + 1}`);
  return out;
}

/** Resolves `${env:…}` in an item's input, keeping the text as written for reports. @throws EnvVariableError */
export function resolveItem(out: { input: TargetInput; shown?: string }, lookup: EnvLookup, where: string): void {
  const resolved = resolveEnv(out.input, lookup, where) as TargetInput;
  if (resolved === out.input) return;
  out.shown = typeof out.input === 'string' ? out.input : JSON.stringify(out.input);
  out.input = resolved;
}
