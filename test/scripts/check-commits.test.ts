import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types; its one export is checked here.
import { hasBody as hasBodyUntyped, messageProblems } from '../../scripts/check-commits.mjs';

const problems = messageProblems as (message: string, opts?: { merge?: boolean }) => string[];
const hasBody = hasBodyUntyped as (message: string) => boolean;

describe('scripts/check-commits.mjs (commit messages read like a log)', () => {
  it('accepts `area: what changed` with a blank line and a body', () => {
    expect(problems('report: redact URL userinfo by parsing\n\nThe regex was quadratic.\n')).toEqual([]);
    expect(problems('h2, hpack: one field list per session\n\nWhy.')).toEqual([]);
    expect(problems('engine/h2: fix\n\nWhy.')).toEqual([]);
  });

  it('names each thing a message gets wrong', () => {
    const long = `report: ${'x'.repeat(70)}`;
    expect(problems(`${long}\n\nWhy.`)).toEqual(['subject is 78 characters (at most 72)']);
    expect(problems('Fixed the table\n\nWhy.')).toEqual(["subject is not in 'area: what changed' form"]);
    expect(problems('report: fix\nbody at once')).toEqual(['no blank line after the subject']);
    expect(problems('report: fix\n')).toEqual([]);
    expect(hasBody('report: fix\n')).toBe(false);
    expect(hasBody('report: fix\n\nWhy.')).toBe(true);
  });

  it('asks a merge only for a short subject', () => {
    expect(problems("Merge branch 'wip/x'\n", { merge: true })).toEqual([]);
    expect(problems(`Merge ${'y'.repeat(80)}`, { merge: true })).toEqual(['subject is 86 characters (at most 72)']);
  });
});
