/**
 * The public library API. Everything exported here is documented in the README ("Library API");
 * nothing else under src/ is public.
 *
 * Deliberately not exported: the engine's classes (Engine, Pool, Connection) and the parser, so they
 * can change without a major version; reporters, which belong to the CLI.
 */
import { runTargets } from './engine/run.js';
import { prepareTargets } from './targets/index.js';
import type { Result, RunOptions, TargetInput } from './types.js';

export interface FetchManyOptions extends RunOptions {
  /** Method for targets that set none. @default "GET" */
  method?: string;
  /** Headers added to every target (a target's own headers win, by name). */
  headers?: Record<string, string>;
  /** Body for targets that set none. */
  body?: string;
}

/**
 * Fetches every target concurrently and yields one {@link Result} per target, in completion order
 * (use `result.index` for input order). Invalid targets yield a result with error code
 * `invalid_target`; nothing throws per target. Breaking out of the loop cancels what is in flight.
 *
 * @example
 * for await (const r of fetchMany(['http://127.0.0.1:8080/health'], { timeout: 2000 })) {
 *   console.log(r.index, r.status, r.error?.code);
 * }
 */
export async function* fetchMany(
  targets: Iterable<TargetInput> | AsyncIterable<TargetInput>,
  options: FetchManyOptions = {},
): AsyncGenerator<Result, void, undefined> {
  const { method, headers, body, ...run } = options;
  const controller = new AbortController();
  const outer = run.signal;
  if (outer !== undefined) {
    if (outer.aborted) controller.abort();
    else outer.addEventListener('abort', () => controller.abort(), { once: true });
  }
  const prepared = prepareTargets(targets, {
    ...(method === undefined ? {} : { method }),
    ...(headers === undefined ? {} : { headers: Object.entries(headers) }),
    ...(body === undefined ? {} : { body }),
    ...(run.expect === undefined ? {} : { expect: run.expect }),
  });

  const queue: Result[] = [];
  let head = 0;
  let wake: (() => void) | null = null;
  let done = false;
  let failure: unknown = null;
  runTargets(prepared, { ...run, signal: controller.signal }, (result) => {
    queue.push(result);
    wake?.();
  }).then(
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
  ProxySettings,
  Rate,
  RedirectHop,
  TlsInfo,
  ErrorCode,
  ExpectObject,
  Expectation,
  HeaderList,
  Result,
  ResultError,
  RunOptions,
  TargetInput,
  TargetObject,
  Timings,
  TimeoutPhase,
} from './types.js';
export { VERSION } from './version.js';
/** Thrown (the run rejects) for bad run-wide input, e.g. a key that does not match its certificate. */
export { UsageError } from './errors.js';
