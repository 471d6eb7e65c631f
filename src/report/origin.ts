import type { SourceLocation, TargetOrigin } from '../types.js';

/** Every place a target was found (`sources`, else `source`); empty when none. */
export function places(r: TargetOrigin): readonly SourceLocation[] {
  return r.sources ?? (r.source === undefined ? [] : [r.source]);
}

/**
 * Where a target was found, for a person: `docs/a.md:3, docs/b.html:7`, or `linked from
 * https://…` for a crawled link, or both; null when the target came from a list.
 */
export function originText(r: TargetOrigin): string | null {
  const at = places(r).map((p) => `${p.file}:${p.line}`);
  if (r.from !== undefined && at.length === 0) at.push(`linked from ${r.from}`);
  return at.length === 0 ? null : at.join(', ');
}
