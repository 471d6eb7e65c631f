import type { PreparedTarget, Result } from '../types.js';
import { Engine, type EngineOptions } from './engine.js';

/**
 * Runs prepared targets and calls `onResult` once per target, in completion order. The callback
 * form is the fast path the CLI uses; the library wraps it in an async iterable.
 */
export function runTargets(
  targets: Iterable<PreparedTarget> | AsyncIterable<PreparedTarget>,
  options: EngineOptions,
  onResult: (result: Result) => void,
): Promise<void> {
  return new Engine(onResult, options).run(targets);
}
