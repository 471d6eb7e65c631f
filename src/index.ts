/**
 * The public library API. Everything exported here is documented in docs/library.md; nothing
 * else under src/ is public. Options are validated by src/config/run-config.ts, as the CLI's are.
 *
 * Deliberately not exported: the engine's classes (Engine, Pool, Dial, the sessions) and the
 * parser, so they can change without a major version; reporters, which belong to the CLI.
 */
import { type RunConfig, resolveRunConfig } from './config/run-config.js';
import { runTargets } from './engine/run.js';
import { OptionError } from './errors.js';
import { readHeaders, readMethod } from './targets/fields.js';
import { prepareTargets, type TargetDefaults } from './targets/index.js';
import { readOrigins } from './targets/origin.js';
import type { Result, RunOptions, TargetInput } from './types.js';

export interface FetchManyOptions extends RunOptions {
  /** Method for targets that set none. @default "GET" */
  method?: string;
  /** Headers added to every target (a target's own headers win, by name). */
  headers?: Record<string, string>;
  /** Body for targets that set none. */
  body?: string;
  /**
   * Headers and Basic credentials bound to origins (`scheme://host[:port]`): sent only on
   * requests to that origin, each redirect hop included, never to another — the CLI's
   * `--header-for` / `--user-for`, a target file's `defaults.origins`. A bound header replaces one
   * of `headers` with the same name for that origin; a target's own header wins over both.
   * @example { "https://api.example.com": { headers: { Authorization: "Bearer …" } } }
   */
  origins?: Record<string, { headers?: Record<string, string>; user?: string }>;
}

/** The library's own keys, beside the run options of src/config. */
const TARGET_DEFAULT_KEYS = ['method', 'headers', 'body', 'origins', 'signal'] as const;

/**
 * Fetches every target concurrently and yields one {@link Result} per target, in completion order
 * (use `result.index` for input order). Invalid targets yield a result with error code
 * `invalid_target`; nothing throws per target. Breaking out of the loop cancels what is in flight.
 *
 * Options are checked when `fetchMany` is called, before anything runs.
 * @throws OptionError for an unknown option or a value that cannot work (`concurrency: 0`).
 *
 * @example
 * for await (const r of fetchMany(['http://127.0.0.1:8080/health'], { timeout: '2s' })) {
 *   console.log(r.index, r.status, r.error?.code);
 * }
 */
export function fetchMany(
  targets: Iterable<TargetInput> | AsyncIterable<TargetInput>,
  options: FetchManyOptions = {},
): AsyncGenerator<Result, void, undefined> {
  const config = resolveRunConfig(options, { alsoAllowed: TARGET_DEFAULT_KEYS });
  const { method, headers, body, origins, signal } = options;
  const defaults = targetDefaults(method, headers, body, origins);
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new OptionError('signal', 'option "signal" must be an AbortSignal');
  }
  return run(
    targets,
    config,
    { ...defaults, ...(options.expect === undefined ? {} : { expect: config.expect }) },
    signal,
  );
}

/** The library's `method`, `headers`, `body` and `origins`, checked now rather than once per target. */
function targetDefaults(method: unknown, headers: unknown, body: unknown, origins: unknown): TargetDefaults {
  const defaults: TargetDefaults = {};
  const check = <T>(key: string, read: () => T): T => {
    try {
      return read();
    } catch (err) {
      throw new OptionError(
        key,
        `option ${JSON.stringify(key)}: ${(err as Error).message.replace(/^field "\w+":? ?/, '')}`,
      );
    }
  };
  if (method !== undefined) defaults.method = check('method', () => readMethod(method));
  if (headers !== undefined) defaults.headers = check('headers', () => readHeaders(headers));
  if (origins !== undefined) defaults.origins = check('origins', () => readOrigins(origins));
  if (body !== undefined) {
    if (typeof body !== 'string') throw new OptionError('body', 'option "body" must be a string');
    defaults.body = body;
  }
  return defaults;
}

async function* run(
  targets: Iterable<TargetInput> | AsyncIterable<TargetInput>,
  config: RunConfig,
  defaults: TargetDefaults,
  outer: AbortSignal | undefined,
): AsyncGenerator<Result, void, undefined> {
  const controller = new AbortController();
  if (outer !== undefined) {
    if (outer.aborted) controller.abort();
    else outer.addEventListener('abort', () => controller.abort(), { once: true });
  }
  const prepared = prepareTargets(targets, defaults);

  const queue: Result[] = [];
  let head = 0;
  let wake: (() => void) | null = null;
  let done = false;
  let failure: unknown = null;
  runTargets(
    prepared,
    config,
    (result) => {
      queue.push(result);
      wake?.();
    },
    { signal: controller.signal },
  ).then(
    () => {
      done = true;
      wake?.();
    },
    (err: unknown) => {
      failure = err;
      done = true;
      wake?.();
    },
  );

  try {
    for (;;) {
      if (head < queue.length) {
        const next = queue[head++]!;
        if (head > 1024 && head * 2 > queue.length) {
          queue.splice(0, head);
          head = 0;
        }
        yield next;
        continue;
      }
      if (done) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = null;
    }
    if (failure !== null) throw failure;
  } finally {
    if (!done) controller.abort();
  }
}

export type {
  AttemptFailure,
  Duration,
  ProxySettings,
  Rate,
  RedirectHop,
  TlsInfo,
  ErrorCode,
  ExpectObject,
  HashAlgorithm,
  HeaderList,
  Result,
  ResultError,
  RunOptions,
  SourceLocation,
  TargetOrigin,
  TargetInput,
  TargetObject,
  Timings,
  TimeoutPhase,
} from './types.js';
export { VERSION } from './version.js';
/**
 * `OptionError` (code `invalid_option`, `option` names the key) is thrown by `fetchMany` for an
 * unknown option or an unusable value. `UsageError` (its base class; code `usage`) is what the
 * run rejects with for other bad run-wide input, e.g. a key that does not match its certificate.
 */
export { OptionError, UsageError } from './errors.js';
