/**
 * Targets: strings, JSON and stdin lines → validated {@link PreparedTarget}s, streamed.
 *
 * Sources yield raw inputs; {@link prepareTargets} / {@link readTargets} assign indexes and
 * validate. Internals (line splitting, JSON error positions, URL parsing) are not exported.
 */
import { OptionError, UsageError } from '../errors.js';
import type { PreparedTarget, TargetInput } from '../types.js';
import { bodyFileBase, hasBodyFile, withBodyFile } from './body-file-field.js';
import { quote } from '../describe.js';
import { type FinishedTargets, inputHash } from './finished.js';
import { prepareTarget, type TargetDefaults } from './normalize.js';
import { openSourceBatches, type SourceItem, type SourceSpec } from './read/sources.js';
import { TargetStream } from './target-stream.js';
import type { EnvLookup } from './env.js';

export { EnvVariableError, type EnvLookup } from './env.js';

/**
 * `--resume` found the list changed under a recorded result. Thrown by the target stream once it
 * reaches that target, mid-run: the CLI stops taking targets, lets the ones in flight finish,
 * closes every report validly, then says this in one line and exits 2.
 */
export class ListChangedError extends UsageError {
  override readonly name = 'ListChangedError';
}

export { parseDuration, MAX_DURATION_MS } from '../duration.js';
export { parseHeaderFlag, validateHeaderName, validateHeaderValue, requestHeaderError, isToken } from '../header.js';
export { prepareTarget, checkFileDefaults, normalizeMethod, type TargetDefaults } from './normalize.js';
export {
  classifyArgument,
  openSources,
  openSourceBatches,
  type SourceSpec,
  type SourceItem,
} from './read/sources.js';

/** Validates inputs in order, indexes from 0. Used by the library API. */
export async function* prepareTargets(
  inputs: Iterable<TargetInput> | AsyncIterable<TargetInput>,
  defaults: TargetDefaults,
): AsyncGenerator<PreparedTarget> {
  let index = 0;
  for await (const input of inputs) {
    const prepared = prepareTarget(input, index++, defaults);
    yield hasBodyFile(input) ? await bodyFrom(prepared, input, undefined) : prepared;
  }
}

/** A valid target with a `bodyFile`, its body measured (or invalid, naming the file). */
function bodyFrom(
  prepared: PreparedTarget,
  input: { bodyFile: unknown },
  source: PreparedTarget['source'],
): PreparedTarget | Promise<PreparedTarget> {
  if ('invalid' in prepared) return prepared;
  // prepareTarget checked it: a valid target's bodyFile is a non-empty string.
  return withBodyFile(prepared, input.bodyFile as string, bodyFileBase(source));
}

/** `--shard i/n`: this process runs the targets whose index k has k mod n = i − 1. */
export interface Shard {
  /** 1-based: 1 … count. */
  index: number;
  count: number;
}

/** Which of the list's targets this process runs. */
export interface TargetSelection {
  shard?: Shard;
  /** `--resume FILE`: targets finished there are skipped, after checking the list did not change. */
  resume?: {
    finished: FinishedTargets;
    label: string;
    /**
     * The `input` as a report shows it (reports redact secrets: `user:***@`): the results file
     * recorded it that way, so the comparison must too. @default the input unchanged
     */
    shown?: (input: string) => string;
  };
}

/**
 * `--shard i/n` as the user wrote it: `1/4` … `4/4`.
 * @throws UsageError
 */
export function parseShard(value: string): Shard {
  const m = /^\s*(\d{1,9})\s*\/\s*(\d{1,9})\s*$/.exec(value);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) {
    throw new OptionError('--shard', `--shard must be i/n with 1 ≤ i ≤ n (e.g. 1/4), got ${quote(value)}`);
  }
  return { index, count };
}

/** The targets to run, and how many the input held in all (selected or not) once read. */
export interface SelectedTargets {
  /** Also hands over targets already read without a promise each (see {@link TargetStream}). */
  targets: TargetStream;
  /** Targets read from the input so far, whether this process runs them or not. */
  readonly read: number;
}

/**
 * {@link readTargets} with a selection: a shard's other targets are dropped before they are
 * even validated, so they cost only the reading of their line; `index` stays the position in
 * the whole list, so shard outputs merge without renumbering. Targets a resumed run finished are
 * validated (their `input` is built exactly as a result's is, so a redacted input still compares
 * equal) and compared with what the results file recorded: a difference means the list changed
 * and the indexes no longer mean the same targets — a usage error naming the first such index.
 * @throws UsageError
 */
export async function readSelectedTargets(
  specs: readonly SourceSpec[],
  defaults: TargetDefaults,
  stdin: NodeJS.ReadableStream | undefined,
  selection: TargetSelection,
  /** Resolve `${env:…}` in target files and stdin (see env.ts). */
  lookup?: EnvLookup,
): Promise<SelectedTargets> {
  const batches = await openSourceBatches(specs, stdin, lookup);
  const { shard, resume } = selection;
  let read = 0;
  const select = (item: SourceItem): PreparedTarget | Promise<PreparedTarget> | null => {
    const index = read++;
    if (shard !== undefined && index % shard.count !== shard.index - 1) return null;
    const prepared = prepareItem(item, index, defaults);
    if (resume !== undefined) {
      const recorded = resume.finished.lookup(index);
      if (recorded !== null) {
        const shown = resume.shown === undefined ? prepared.input : resume.shown(prepared.input);
        if (recorded !== inputHash(shown)) {
          // Quoted as the reports show it: the list's input may hold a password.
          throw new ListChangedError(
            `--resume: the list changed: target ${index} is ${quote(shown)}, but ${resume.label} has a result for another input at index ${index}`,
          );
        }
        return null;
      }
    }
    return withFile(item, prepared);
  };
  const atEnd = (): void => {
    if (resume !== undefined && resume.finished.highest >= read) {
      throw new ListChangedError(
        `--resume: the list changed: ${resume.label} has a result for index ${resume.finished.highest}, but the list has ${read} targets`,
      );
    }
  };
  return {
    targets: new TargetStream(batches[Symbol.asyncIterator](), select, atEnd),
    get read() {
      return read;
    },
  };
}

/** Counts the targets in the sources (`merge --targets FILE`) without validating them. */
export async function countTargets(specs: readonly SourceSpec[], stdin?: NodeJS.ReadableStream): Promise<number> {
  let n = 0;
  for await (const batch of await openSourceBatches(specs, stdin)) n += batch.length;
  return n;
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
        yield withFile(item, prepareItem(item, index++, defaults));
      }
    }
  })();
}

/**
 * `prepared` with its `bodyFile` measured, a promise only for a target that has one. Done after
 * the selection, so another shard's targets and `--resume`'s finished ones open no file. The
 * item's own file (not `origin`, where a link was found) is what a relative path is relative to.
 */
function withFile(item: SourceItem, prepared: PreparedTarget): PreparedTarget | Promise<PreparedTarget> {
  return 'input' in item && hasBodyFile(item.input) ? bodyFrom(prepared, item.input, item.source) : prepared;
}

/** One raw item → its target, with the file and line it came from and where it was found (`origin`). */
function prepareItem(item: SourceItem, index: number, defaults: TargetDefaults): PreparedTarget {
  const prepared: PreparedTarget =
    'invalid' in item
      ? { index, input: item.raw, invalid: item.invalid, ...(item.code === undefined ? {} : { code: item.code }) }
      : prepareTarget(item.input, index, defaults, item.fileDefaults, item.shown);
  if (item.source !== undefined) prepared.source = item.source;
  const origin = item.origin;
  if (origin !== undefined) {
    if (origin.source !== undefined) prepared.source = origin.source;
    if (origin.sources !== undefined) prepared.sources = origin.sources;
    if (origin.from !== undefined) prepared.from = origin.from;
  }
  return prepared;
}
