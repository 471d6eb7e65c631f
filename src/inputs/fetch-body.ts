import type { RunConfig } from '../config/run-config.js';
import type { BodySink } from '../engine/bodies/bodies.js';
import { runTargets } from '../engine/run.js';
import { prepareTarget, type TargetDefaults } from '../targets/normalize.js';
import type { Result } from '../types.js';

/**
 * Fetches one input (a sitemap, a robots.txt) through fetch-many's own engine — its proxy, TLS,
 * `--resolve`, headers and timeouts — handing the body of a 2xx answer to `sink` as it arrives.
 * Resolves with the request's result; `sink.end()` has been called by then when the body
 * completed, `sink.abort()` when it failed. An input it cannot fetch is the result's error, never
 * a throw. `config`: the run's options for inputs (no saving, no hashing: see the CLI).
 */
export function fetchBody(
  url: string,
  config: RunConfig,
  defaults: TargetDefaults,
  sink: BodySink,
  signal?: AbortSignal,
): Promise<Result> {
  const target = prepareTarget(url, 0, defaults);
  let result: Result | null = null;
  return runTargets(
    [target],
    config,
    (r) => {
      result = r;
    },
    {
      bodySinks: (_target, status) => (status >= 200 && status <= 299 ? sink : null),
      ...(signal === undefined ? {} : { signal }),
    },
  ).then(() => result as unknown as Result);
}

/** Why a fetched input could not be read, in a few words; null when it was read. */
export function fetchProblem(result: Result): string | null {
  if (result.error !== null) return result.error.message;
  if (result.status !== null && (result.status < 200 || result.status > 299)) return `status ${result.status}`;
  return null;
}
