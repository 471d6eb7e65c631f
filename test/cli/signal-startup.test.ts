/**
 * Issue 22: a SIGINT/SIGTERM at any moment of start-up that the CLI handles — exit 130/143 — leaves
 * every report valid: `--json` on stdout one document, the `--junit` file written (docs/errors.md,
 * "a signal before any target was read gives empty but valid reports"). Before the fix a signal
 * that came while the CLI was dropping its reports for a usage error (`no targets in the input`)
 * turned that exit 2 into 130/143 with nothing written: stdout empty, no JUnit file.
 */
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseXml } from '../report/xml-reader.js';
import { type CliRun, expectNoCrash, parseJsonReport, ROOT, startCli, tempDir, waitFor } from './harness.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  await tmp.cleanup();
});

/**
 * The rule, for any way a run can end: killed by the signal (it came before Node ran the bin
 * script's first line: nothing can be written then), 130/143 with valid reports, or exit 2 with
 * one usage line and no report file.
 */
async function expectValidOutcome(run: CliRun, junit: string): Promise<'killed' | 'signalled' | 'usage'> {
  expectNoCrash(run);
  if (run.signal !== null) return 'killed';
  if (run.code === 2) {
    expect(run.stderr).toBe('fetch-many: no targets in the input\n');
    expect(existsSync(junit)).toBe(false);
    return 'usage';
  }
  expect([130, 143], run.stderr).toContain(run.code);
  const doc = parseJsonReport(run.stdout);
  expect(doc.results).toEqual([]);
  const root = parseXml(await readFile(junit, 'utf8'));
  expect(root.name).toBe('testsuites');
  expect(root.attrs.tests).toBe('0');
  return 'signalled';
}

describe('a signal during start-up: 130/143 only with valid reports', () => {
  it.each([
    ['SIGINT', 'sigint'],
    ['SIGTERM', 'sigterm'],
  ] as const)('%s while the reports are dropped for "no targets": exit 2, the usage line', async (signal, name) => {
    const junit = join(tmp.dir, `dropped-${name}.xml`);
    const cli = startCli(['--json', '--junit', junit], {
      stdin: '',
      env: { NODE_OPTIONS: `--import=${pathToFileURL(join(ROOT, 'test', 'helpers', 'slow-unlink.mjs')).href}` },
    });
    await waitFor(() => cli.stderr().includes('test-hook: removing a report temp file'), 'the reports to be dropped');
    cli.child.kill(signal);
    const run = await cli.done;
    run.stderr = run.stderr.replace('test-hook: removing a report temp file\n', '');
    expect(await expectValidOutcome(run, junit)).toBe('usage');
  });

  it('signals at spread moments from spawn to exit, empty input: every outcome valid', async () => {
    // Bounded: 24 runs, 4 at a time. Delays spread over 0–690 ms so that some land before the
    // handlers exist, some while the CLI loads, reads its (empty) input, or drops its reports;
    // each run is judged only by how it ended, never by when.
    const outcomes: string[] = [];
    const one = async (i: number): Promise<void> => {
      const junit = join(tmp.dir, `spread-${i}.xml`);
      const cli = startCli(['--json', '--junit', junit], { stdin: '' });
      const exited = new Promise<void>((resolve) => cli.child.once('exit', () => resolve()));
      const timer = new Promise<void>((resolve) => setTimeout(resolve, i * 30));
      await Promise.race([timer, exited]);
      cli.child.kill(i % 2 === 0 ? 'SIGINT' : 'SIGTERM');
      outcomes.push(await expectValidOutcome(await cli.done, junit));
      await rm(junit, { force: true });
    };
    for (let batch = 0; batch < 24; batch += 4) {
      await Promise.all([0, 1, 2, 3].map((k) => one(batch + k)));
    }
    expect(outcomes).toHaveLength(24);
  }, 120_000);
});
