import type { SourceLocation, TargetInput, TargetObject, TargetOrigin } from '../../types.js';

/**
 * One raw target from a source, before validation. Either an input to prepare (with the
 * `defaults` of the JSON document it came from), or something that could not even be read as an
 * input — a JSON line that does not parse, an overlong line — carried as text with its reason
 * (`code: 'input'` when a whole input failed: a sitemap that does not parse, an unreadable file of
 * links). `source`: the file and line it was read from (target files only; stdin and arguments
 * have none). `origin`: where the input was found (--links, --crawl), carried onto the result.
 */
export type SourceItem =
  | {
      input: TargetInput;
      fileDefaults?: TargetObject;
      /** The input as written, when `${env:…}` was resolved in it (a report shows this, not the secret). */
      shown?: string;
      source?: SourceLocation;
      origin?: TargetOrigin;
    }
  | { raw: string; invalid: string; code?: 'input'; source?: SourceLocation; origin?: TargetOrigin };
