/**
 * Issue 22: `npm run redos` (scripts/redos.mjs, run by .ci/run) fails on any super-linear regular
 * expression in src/. Shown here on deliberately bad ones in a temp file, and clean on src/.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../cli/harness.js';

const SCRIPT = join(ROOT, 'scripts', 'redos.mjs');

function redos(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SCRIPT, ...args], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
    });
  });
}

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fetch-many-redos-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('npm run redos', () => {
  it('fails on a super-linear literal, a RegExp built from a literal and an unchecked dynamic pattern', async () => {
    const file = join(dir, 'bad.ts');
    await writeFile(
      file,
      [
        'export const exponential = /^(a+)+$/;',
        "export const trimmed = (s: string) => s.replace(/\\s+$/, '');",
        "export const built = new RegExp('(x|x)*y', 'i');",
        'export const fine = /^[a-z]+$/;',
        'export const dynamic = (p: string) => new RegExp(p);',
        '// redos: a reason the next one is safe',
        'export const explained = (p: string) => new RegExp(p);',
      ].join('\n'),
    );
    const run = await redos(file);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/bad\.ts:1: \/\^\(a\+\)\+\$\/ is super-linear \(exponential, (Self|Trade)\)/),
      expect.stringMatching(/bad\.ts:2: \/\\s\+\$\/ is super-linear \(polynomial, Move\)/),
      expect.stringMatching(/bad\.ts:3: \/\(x\|x\)\*y\/i is super-linear \((polynomial|exponential)/),
      expect.stringMatching(/bad\.ts:5: new RegExp\(p\): a pattern that is not a literal cannot be checked/),
      'redos: 4 regexes checked, 4 findings',
    ]);
  });

  it('passes on src/', async () => {
    const run = await redos('src');
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(/^redos: \d+ regexes checked, 0 findings\n$/);
  }, 60_000);
});
