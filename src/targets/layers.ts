import type { Expectation } from '../expect/types.js';
import type { FileBody, HeaderList, TargetObject } from '../types.js';
import { describeValue, isPlainObject, unknownFieldError } from '../describe.js';
import { buildExpectation, DEFAULT_EXPECTATION, withFallback } from '../expect/parse.js';
import { checkHeader, EMPTY_HEADERS, mergeHeaders, readBody, readHeaders, readMethod, readTimeout } from './fields.js';
import { checkOrigins, mergeOrigins, NO_ORIGINS, type OriginHeaders, readOrigins } from './origin.js';

/**
 * Run-wide settings from CLI flags (or library options), applied to targets that do not set
 * their own. Treated as immutable: it is validated once per object and cached.
 */
export interface TargetDefaults {
  /** Method token (`--method`). @default "GET" */
  method?: string;
  /** Extra headers (`-H`); a target's own header of the same name (any case) wins. */
  headers?: HeaderList;
  /**
   * Request body (`--data`); a target with a body and no method is sent as POST. A {@link FileBody}
   * is read from its files as each request is sent.
   */
  body?: string | Buffer | FileBody;
  /**
   * Content-Type sent with `body` (and only that body) when the target's headers have none:
   * curl's `-d` sends `application/x-www-form-urlencoded`.
   */
  bodyContentType?: string;
  /** Whole-request timeout in ms. */
  timeout?: number;
  /**
   * Expectation (`--expect`, `--expect-*`): only the fields the user set. They override, field
   * by field, the `expect` of a JSON file's `defaults`; missing ones come from there, or from the
   * run-wide default (status 200-399).
   */
  expect?: Partial<Expectation>;
  /**
   * Headers bound to origins (`--header-for`, `--user-for`; the library's `origins`), by origin
   * key (see targets/origin.ts): sent only to requests to that origin, each redirect hop included.
   */
  origins?: OriginHeaders;
}

/** Settings from one level of precedence (CLI flags, or a file's defaults), validated. */
export interface Layer {
  readonly method: string | undefined;
  readonly headers: HeaderList;
  readonly body: Buffer | FileBody | null;
  /** Content-Type that goes with `body` when the target sets none (the CLI's `-d`). */
  readonly bodyContentType?: string | undefined;
  readonly timeout: number | undefined;
  readonly expect: Expectation | undefined;
  /** The fields of `expect` this layer set itself (CLI flags set only some). */
  readonly expectGiven?: Partial<Expectation> | undefined;
  /** Headers bound to origins; a bound header replaces an unbound one of the same name. */
  readonly origins: OriginHeaders;
}

/** A file's `defaults` may set what applies to many targets, not where a target points. */
const DEFAULT_FIELDS: ReadonlySet<string> = new Set([
  'method',
  'headers',
  'body',
  'data',
  'timeout',
  'expect',
  'origins',
]);

/**
 * A reason why a JSON file's `defaults` object is unusable, or null. Sources call this up front
 * so a bad `defaults` is a usage error, not a million identical invalid targets.
 */
export function checkFileDefaults(value: unknown): string | null {
  const layer = compileFileDefaults(value);
  return layer instanceof Error ? layer.message : null;
}

// Layers are validated once per defaults object and cached: with a million targets sharing one
// `defaults`, re-validating its headers and re-encoding its body per target would dominate.
// The consequence: targets share these header arrays (frozen) and body Buffers; never mutate them.

interface CliEntry {
  layer: Layer | Error;
  merged: WeakMap<object, Layer | Error>;
}
const cliCache = new WeakMap<TargetDefaults, CliEntry>();
const fileCache = new WeakMap<object, Layer | Error>();

/** CLI defaults over the file's defaults, validated and cached. @throws Error when either is unusable. */
export function baseLayer(defaults: TargetDefaults, fileDefaults: TargetObject | undefined): Layer {
  let entry = cliCache.get(defaults);
  if (entry === undefined) {
    entry = { layer: attempt(() => compileCliDefaults(defaults), 'defaults: '), merged: new WeakMap() };
    cliCache.set(defaults, entry);
  }
  const cli = entry.layer;
  if (cli instanceof Error) throw cli;
  if (fileDefaults === undefined) return cli;
  let merged = entry.merged.get(fileDefaults);
  if (merged === undefined) {
    const file = compileFileDefaults(fileDefaults);
    merged = file instanceof Error ? file : mergeLayers(file, cli);
    entry.merged.set(fileDefaults, merged);
  }
  if (merged instanceof Error) throw merged;
  return merged;
}

function compileCliDefaults(defaults: TargetDefaults): Layer {
  const { method, headers, body, bodyContentType, timeout, expect, origins } = defaults;
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0)) {
    throw new Error(`timeout must be a positive whole number of ms, got ${describeValue(timeout)}`);
  }
  return {
    method: method === undefined ? undefined : readMethod(method),
    headers: Object.freeze((headers ?? EMPTY_HEADERS).map(([name, value]) => checkHeader(name, value, 'headers'))),
    body: body === undefined ? null : typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
    bodyContentType: body === undefined ? undefined : bodyContentType,
    timeout,
    expect: expect === undefined ? undefined : withFallback(expect, DEFAULT_EXPECTATION),
    expectGiven: expect,
    origins: origins === undefined || origins.size === 0 ? NO_ORIGINS : checkOrigins(origins, 'origins'),
  };
}

function compileFileDefaults(value: unknown): Layer | Error {
  if (!isPlainObject(value)) return new Error(`"defaults" must be an object, got ${describeValue(value)}`);
  let layer = fileCache.get(value);
  if (layer === undefined) {
    layer = attempt(() => {
      const unknown = unknownFieldError(value, DEFAULT_FIELDS);
      if (unknown !== null) throw new Error(unknown);
      return {
        method: value.method === undefined ? undefined : readMethod(value.method),
        headers: value.headers === undefined ? EMPTY_HEADERS : Object.freeze(readHeaders(value.headers)),
        body: readBody(value),
        timeout: value.timeout === undefined ? undefined : readTimeout(value.timeout, 'timeout'),
        expect: value.expect === undefined ? undefined : buildExpectation(value.expect as never, DEFAULT_EXPECTATION),
        origins: value.origins === undefined ? NO_ORIGINS : readOrigins(value.origins),
      };
    }, 'defaults: ');
    fileCache.set(value, layer);
  }
  return layer;
}

/** CLI flags over a file's defaults. Expectations merge field by field, like a target's own. */
function mergeLayers(file: Layer, cli: Layer): Layer {
  return {
    method: cli.method ?? file.method,
    headers: Object.freeze(mergeHeaders(file.headers, cli.headers)),
    body: cli.body ?? file.body,
    bodyContentType: cli.body === null ? undefined : cli.bodyContentType,
    timeout: cli.timeout ?? file.timeout,
    expect:
      file.expect !== undefined && cli.expectGiven !== undefined
        ? withFallback(cli.expectGiven, file.expect)
        : (cli.expect ?? file.expect),
    origins: mergeOrigins(file.origins, cli.origins),
  };
}

function attempt(run: () => Layer, prefix: string): Layer | Error {
  try {
    return run();
  } catch (err) {
    return new Error(prefix + (err as Error).message, { cause: err });
  }
}
