/**
 * Issue 23, item 6: the README is true as written. Its sample table is what `npx fetch-many demo`
 * prints on a 120-column terminal — compared as text after masking what changes from run to run
 * (times, ports, the rate), with the summary compared as one line (where it wraps depends on the
 * widths of those numbers). To refresh the sample after a change to the table, run
 * `FETCH_MANY_UPDATE_README=1 npx vitest run test/readme.test.ts` and review the diff.
 *
 * The README's example commands are run as written by test/examples.test.ts; the package facts it
 * states (licence, description) are checked here.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { copyFile, cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from './cli/harness.js';

const README = join(ROOT, 'README.md');
const SAMPLE = /(## Output[\s\S]*?```text\n)([\s\S]*?)(```)/;

function demoTable(columns: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, COLUMNS: String(columns), NO_COLOR: '1' };
    delete env.FORCE_COLOR;
    execFile(process.execPath, [BIN, 'demo'], { cwd: ROOT, env, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** The sample with what differs between runs masked; the summary (from "N targets:") as one line. */
function masked(text: string): string[] {
  const lines = text
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT')
    .replace(/ *\d+(?:\.\d+)? ?(?:ms|s)\b/g, ' T')
    .replace(/\d+(?:\.\d+)? req\/s/g, 'R req/s')
    .trimEnd()
    .split('\n');
  const summaryAt = lines.findIndex((l) => /^\d+ targets?: /.test(l));
  if (summaryAt === -1) return lines;
  return [...lines.slice(0, summaryAt), lines.slice(summaryAt).join(' ').replace(/ +/g, ' ')];
}

describe('an unbuilt clone', () => {
  it('says "run npm install first" in one line, exit 2, no stack', async () => {
    const clone = await mkdtemp(join(tmpdir(), 'fetch-many clone-'));
    try {
      // A clone has all of bin/ (fetch-many.js imports cli-loader.js), and no dist/.
      await cp(join(ROOT, 'bin'), join(clone, 'bin'), { recursive: true });
      await copyFile(join(ROOT, 'package.json'), join(clone, 'package.json'));
      for (const args of [['http://127.0.0.1:1/'], ['--version']]) {
        const run = await new Promise<{ code: number; stderr: string; stdout: string }>((resolve) => {
          execFile(process.execPath, [join(clone, 'bin', 'fetch-many.js'), ...args], (err, stdout, stderr) => {
            resolve({
              code: typeof err?.code === 'number' ? err.code : 0,
              stdout: String(stdout),
              stderr: String(stderr),
            });
          });
        });
        expect(run.code).toBe(2);
        expect(run.stdout).toBe('');
        expect(run.stderr).toBe('fetch-many: not built yet (no dist/): run npm install first\n');
      }
    } finally {
      await rm(clone, { recursive: true, force: true });
    }
  });
});

describe('README', () => {
  it('its sample table is what `fetch-many demo` prints at 120 columns (times and ports masked)', async () => {
    const run = await demoTable(120);
    expect(run.code, run.stderr).toBe(0);
    const readme = readFileSync(README, 'utf8');
    const sample = SAMPLE.exec(readme);
    expect(sample, 'a ```text block under ## Output').not.toBeNull();
    if (process.env.FETCH_MANY_UPDATE_README === '1') {
      writeFileSync(
        README,
        readme.replace(SAMPLE, (_m, before: string, _old: string, end: string) => before + run.stdout + end),
      );
      return;
    }
    expect(masked(sample?.[2] ?? '')).toEqual(masked(run.stdout));
    // "a 120-column terminal": no line of it is wider.
    for (const line of run.stdout.split('\n')) expect([...line].length).toBeLessThanOrEqual(120);
  }, 40_000);

  it('masking keeps the layout: a different table does not compare equal', () => {
    expect(masked('  1  http://127.0.0.1:4000/a   200  16 B   33 ms\n')).toEqual(
      masked('  1  http://127.0.0.1:51234/a   200  16 B  450 ms\n'),
    );
    expect(masked('  1  http://127.0.0.1:4000/a   200  16 B   33 ms\n')).not.toEqual(
      masked('  1  http://127.0.0.1:4000/a   404  16 B   33 ms\n'),
    );
  });

  it('the package has a LICENSE (MIT, as package.json says) and a current description', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      license: string;
      description: string;
      files: string[];
    };
    expect(pkg.license).toBe('MIT');
    expect(existsSync(join(ROOT, 'LICENSE'))).toBe(true);
    const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) 2026 fetch-many contributors\n/);
    expect(pkg.description).toContain('HTTP/1.1');
    expect(pkg.description).toContain('HTTP/2');
  });
});
