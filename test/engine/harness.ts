/**
 * Shared plumbing for the engine tests: validate inputs the way the library does, run them
 * through the engine, and collect every result.
 */
import type { LookupAddress } from 'node:dns';
import type { LookupFn } from '../../src/engine/dns/cache.js';
import { runTargets } from '../../src/engine/run.js';
import type { EngineOptions } from '../../src/engine/engine.js';
import { prepareTarget, type TargetDefaults } from '../../src/targets/index.js';
import type { PreparedTarget, Result, TargetInput } from '../../src/types.js';

export function prepare(inputs: readonly TargetInput[], defaults: TargetDefaults = {}): PreparedTarget[] {
  return inputs.map((input, i) => prepareTarget(input, i, defaults));
}

/** Runs `inputs` and resolves with the results in completion order. */
export async function run(
  inputs: readonly TargetInput[],
  options: EngineOptions = {},
  defaults: TargetDefaults = {},
): Promise<Result[]> {
  const results: Result[] = [];
  await runTargets(prepare(inputs, defaults), options, (r) => results.push(r));
  return results;
}

/** Runs a single target and returns its result. */
export async function one(
  input: TargetInput,
  options: EngineOptions = {},
  defaults: TargetDefaults = {},
): Promise<Result> {
  const results = await run([input], options, defaults);
  if (results.length !== 1) throw new Error(`expected one result, got ${results.length}`);
  return results[0]!;
}

/** Results sorted by input index. */
export function byIndex(results: readonly Result[]): Result[] {
  return [...results].sort((a, b) => a.index - b.index);
}

/** Every index 0..n-1 exactly once. */
export function indexesOnce(results: readonly Result[], n: number): boolean {
  const seen = results.map((r) => r.index).sort((a, b) => a - b);
  return seen.length === n && seen.every((v, i) => v === i);
}

/** A resolver that answers `table` and fails everything else with ENOTFOUND — never real DNS. */
export function fakeLookup(table: Record<string, LookupAddress[]>): LookupFn & { calls: string[] } {
  const calls: string[] = [];
  const fn = ((hostname, callback) => {
    calls.push(hostname);
    const answer = table[hostname];
    setImmediate(() => {
      if (answer === undefined) {
        const err: NodeJS.ErrnoException = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
          code: 'ENOTFOUND',
        });
        callback(err, []);
      } else callback(null, answer);
    });
  }) as LookupFn & { calls: string[] };
  fn.calls = calls;
  return fn;
}
