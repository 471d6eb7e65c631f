/**
 * The progress bar's total, counted ahead of the run (issue 23 item 2): growing counts marked not
 * final, then the whole; a shard's share; nothing for inputs that cannot be read twice.
 */
import { describe, expect, it } from 'vitest';
import { countAhead } from '../../src/cli/count-ahead.js';
import { tempDir } from './harness.js';

function counts(
  ...args: Parameters<typeof countAhead> extends [infer S, infer H, unknown] ? [S, H] : never
): Promise<Array<[number, boolean]>> {
  const seen: Array<[number, boolean]> = [];
  return new Promise((resolve) => {
    countAhead(args[0], args[1], (n, final) => {
      seen.push([n, final]);
      if (final) resolve(seen);
    });
  });
}

describe('countAhead', () => {
  it('counts a file and URL arguments, the last count final', async () => {
    const tmp = await tempDir();
    try {
      const list = await tmp.file(
        'list.txt',
        `${Array.from({ length: 10 }, (_, i) => `http://127.0.0.1:1/${i}`).join('\n')}\n`,
      );
      const seen = await counts(
        [
          { kind: 'arg', value: 'http://127.0.0.1:1/a' },
          { kind: 'file', path: list },
        ],
        undefined,
      );
      expect(seen.at(-1)).toEqual([11, true]);
      expect(seen.slice(0, -1).every(([, final]) => !final)).toBe(true);
      // A shard's share: indexes 1, 4, 7, 10 of 0…10 for shard 2/3.
      expect(
        (
          await counts(
            [
              { kind: 'file', path: list },
              { kind: 'arg', value: 'http://127.0.0.1:1/b' },
            ],
            { index: 2, count: 3 },
          )
        ).at(-1),
      ).toEqual([4, true]);
    } finally {
      await tmp.cleanup();
    }
  });

  it('counts nothing when a source cannot be read twice (stdin)', () => {
    const noCount = (): void => {
      throw new Error('counted');
    };
    expect(countAhead([{ kind: 'arg', value: 'http://127.0.0.1:1/a' }, { kind: 'stdin' }], undefined, noCount)).toBe(
      null,
    );
  });
});
