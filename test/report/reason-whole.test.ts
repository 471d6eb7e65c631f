/**
 * Issue 19 item 3: where a machine or a log reads the reason a target failed, it is whole. The
 * table (off a terminal), the Markdown cell and JUnit have their own tests; this is the GitHub
 * annotation, which GitHub itself caps far above a 400-character reason.
 */
import { describe, expect, it } from 'vitest';
import { annotation } from '../../src/report/github.js';
import { makeError, makeResult } from './helpers.js';

const reason = Array.from({ length: 80 }, (_, i) => `word${i}`)
  .join(' ')
  .slice(0, 400);

describe('a 400-character reason', () => {
  it('is whole in a GitHub annotation, for an error and for failed expectations', () => {
    expect(annotation(makeError(0, { code: 'timeout', message: reason }))).toContain(`::timeout: ${reason}\n`);
    const failed = makeResult({ index: 1, status: 200, ok: false, failures: [reason] });
    expect(annotation(failed)).toContain(`::status 200: ${reason}\n`);
    expect(annotation(failed)).not.toContain('…');
  });
});
