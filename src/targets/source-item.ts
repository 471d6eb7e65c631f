import type { TargetInput, TargetObject, TargetOrigin } from '../types.js';

/**
 * One raw target from a source, before validation. Either an input to prepare (with the
 * `defaults` of the JSON document it came from), or something that could not even be read as an
 * input — a JSON line that does not parse, an overlong line — carried as text with its reason
 * (`code: 'input'` when a whole input failed: a sitemap that does not parse, an unreadable file of
 * links). `origin`: where the input was found (--links, --crawl), carried onto the result.
 */
export type SourceItem =
  | { input: TargetInput; fileDefaults?: TargetObject; origin?: TargetOrigin }
  | { raw: string; invalid: string; code?: 'input'; origin?: TargetOrigin };
