import type { SourceLocation, TargetInput, TargetObject } from '../types.js';

/**
 * One raw target from a source, before validation. Either an input to prepare (with the
 * `defaults` of the JSON document it came from), or something that could not even be read as an
 * input — a JSON line that does not parse, an overlong line — carried as text with its reason.
 * `source`: the file and line it was read from (files only; stdin and arguments have none).
 */
export type SourceItem =
  | {
      input: TargetInput;
      fileDefaults?: TargetObject;
      /** The input as written, when `${env:…}` was resolved in it (a report shows this, not the secret). */
      shown?: string;
      source?: SourceLocation;
    }
  | { raw: string; invalid: string; source?: SourceLocation };
