import type { RunConfig } from '../config/run-config.js';
import type { PreparedTarget, Result } from '../types.js';
import { Engine, type EngineHooks, type EngineOptions } from './engine.js';

/**
 * Asked before each target is taken from the source: null to go on, or a promise to wait for
 * (the output is over its high-water mark and its reader is slow).
 */
export type IntakeGate = () => Promise<void> | null;

/** The engine's hooks, plus an intake gate applied to the source (see {@link runTargets}). */
export interface RunHooks extends EngineHooks {
  gate?: IntakeGate;
}

/**
 * Runs prepared targets and calls `onResult` once per target, in completion order. The callback
 * form is the fast path the CLI uses; the library wraps it in an async iterable. `options` is
 * the run's validated config (or raw options, validated here: tests pass those).
 *
 * With `hooks.gate`, the engine takes no new target while the gate holds: output pressure reaches
 * back to the source, so a slow reader of the results bounds memory instead of growing it (at
 * most the targets already taken — concurrency plus the engine's lookahead — still report
 * meanwhile). Gating the source, not the engine, keeps the engine unaware of output: it already
 * waits on a slow source (stdin) the same way.
 * @throws OptionError (a UsageError) for options that cannot work, before anything runs.
 */
export function runTargets(
  targets: Iterable<PreparedTarget> | AsyncIterable<PreparedTarget>,
  options: RunConfig | EngineOptions,
  onResult: (result: Result) => void,
  hooks: RunHooks = {},
): Promise<void> {
  const { gate, ...engineHooks } = hooks;
  return new Engine(onResult, options, engineHooks).run(gate === undefined ? targets : gated(targets, gate));
}

async function* gated(
  targets: Iterable<PreparedTarget> | AsyncIterable<PreparedTarget>,
  gate: IntakeGate,
): AsyncGenerator<PreparedTarget> {
  for await (const target of targets) {
    const wait = gate();
    if (wait !== null) await wait;
    yield target;
  }
}
