/**
 * Targets: strings, JSON and stdin lines → validated {@link PreparedTarget}s, streamed.
 *
 * Sources yield raw inputs; {@link prepareTargets} / {@link readTargets} assign indexes and
 * validate. Internals (line splitting, JSON error positions, URL parsing) are not exported.
 */
import type { PreparedTarget, TargetInput } from '../types.js';
import { prepareTarget, type TargetDefaults } from './normalize.js';
import { openSourceBatches, type SourceSpec } from './sources.js';

export { parseDuration, MAX_DURATION_MS } from './duration.js';
export { parseStatusSpec, type StatusSpec } from './status-spec.js';
export { buildExpectation, DEFAULT_EXPECTATION } from './expect.js';
export { parseHeaderFlag, validateHeaderName, validateHeaderValue, requestHeaderError, isToken } from './header.js';
export { prepareTarget, checkFileDefaults, normalizeMethod, type TargetDefaults } from './normalize.js';
export {
  classifyArgument,
  openSources,
  openSourceBatches,
  type SourceSpec,
  type SourceItem,
} from './sources.js';

/** Validates inputs in order, indexes from 0. Used by the library API. */
export async function* prepareTargets(
  inputs: Iterable<TargetInput> | AsyncIterable<TargetInput>,
  defaults: TargetDefaults,
): AsyncGenerator<PreparedTarget> {
  let index = 0;
  for await (const input of inputs) yield prepareTarget(input, index++, defaults);
}

/**
 * Opens the sources (usage errors are thrown here, before any request), then yields prepared
 * targets with consecutive indexes across all sources, in order. Used by the CLI.
 * @throws UsageError
 */
export async function readTargets(
  specs: readonly SourceSpec[],
  defaults: TargetDefaults,
  stdin?: NodeJS.ReadableStream,
): Promise<AsyncIterable<PreparedTarget>> {
  const batches = await openSourceBatches(specs, stdin);
  return (async function* () {
    let index = 0;
    for await (const batch of batches) {
      for (const item of batch) {
        yield 'invalid' in item
          ? { index: index++, input: item.raw, invalid: item.invalid }
          : prepareTarget(item.input, index++, defaults, item.fileDefaults);
      }
    }
  })();
}
