import { describe, expect, it } from 'vitest';
import { deepPreview, MAX_NESTING, tooDeep, tooDeepMessage } from '../../src/targets/depth.js';
import { prepareTarget } from '../../src/targets/normalize.js';
import type { TargetInput } from '../../src/types.js';

/** `[[[…]]]` nested `depth` levels, built without recursion, as JSON.parse would give it. */
function nestedArray(depth: number): unknown {
  return JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);
}

describe('tooDeep', () => {
  it('accepts up to the limit and names the first place past it', () => {
    expect(tooDeep('a.test')).toBeNull();
    expect(tooDeep(nestedArray(MAX_NESTING))).toBeNull();
    expect(tooDeep(nestedArray(MAX_NESTING + 1))).toBe(`$${'[0]'.repeat(MAX_NESTING)}`);
    const target = { url: 'a.test', expect: { header: { 'x-a': nestedArray(MAX_NESTING) } } };
    expect(tooDeep(target)).toBe(`$.expect.header.x-a${'[0]'.repeat(MAX_NESTING - 3)}`);
  });

  it('walks a 1,000,000-deep value without overflowing the stack, and keeps the path short', () => {
    const path = tooDeep(nestedArray(1_000_000));
    expect(path?.startsWith('$[0][0]')).toBe(true);
    expect(path?.length).toBeLessThan(210);
  });

  it('does not loop on a circular object (only a library caller can make one)', () => {
    const circular: Record<string, unknown> = { url: 'a.test' };
    circular.self = circular;
    expect(tooDeep(circular)).toBeNull();
  });

  it('shows a bounded preview of a deep value', () => {
    expect(deepPreview(nestedArray(100_000))).toBe(`${'['.repeat(40)}…`);
    expect(deepPreview({ a: { b: [] } })).toBe('{"a":{"b":[…');
    expect(tooDeepMessage('$[0]')).toBe(`nested deeper than ${MAX_NESTING} levels (at $[0])`);
  });
});

describe('prepareTarget on a deep library input', () => {
  it('is an invalid target, not a stack overflow', () => {
    const deep = { url: 'a.test', headers: nestedArray(100_000) } as unknown as TargetInput;
    const prepared = prepareTarget(deep, 3, {});
    expect(prepared).toMatchObject({
      index: 3,
      invalid: expect.stringMatching(/^nested deeper than 32 levels \(at \$\.headers\[0\]/),
    });
    expect(prepared.input.length).toBeLessThan(100);
    expect(prepareTarget(nestedArray(100_000) as TargetInput, 0, {})).toMatchObject({ input: `${'['.repeat(40)}…` });
  });
});
