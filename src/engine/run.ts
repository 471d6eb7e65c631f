import type { RunConfig } from '../config/run-config.js';
import type { PreparedTarget, Result } from '../types.js';
import { Engine, type EngineHooks, type EngineOptions } from './engine.js';

/**
 * Runs prepared targets and calls `onResult` once per target, in completion order. The callback
 * form is the fast path the CLI uses; the library wraps it in an async iterable. `options` is
 * the run's validated config (or raw options, validated here: tests pass those).
 * @throws OptionError (a UsageError) for options that cannot work, before anything runs.
 */
export function runTargets(
  targets: Iterable<PreparedTarget> | AsyncIterable<PreparedTarget>,
  options: RunConfig | EngineOptions,
  onResult: (result: Result) => void,
  hooks: EngineHooks = {},
): Promise<void> {
  return new Engine(onResult, options, hooks).run(targets);
}
