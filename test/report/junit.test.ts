import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJUnitReporter } from '../../src/report/junit.js';
import type { Result } from '../../src/types.js';
import { arbRun } from './arbitraries.js';
import { makeError, makeResult, shuffled, summaryOf } from './helpers.js';
import { childrenNamed, parseXml, type XmlElement } from './xml-reader.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fetch-many-junit-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
async function run(
  results: readonly Result[],
  wallMs = 1234,
): Promise<{ suite: XmlElement; root: XmlElement; cases: XmlElement[] }> {
  const path = join(dir, `report-${n++}.xml`);
  const rep = createJUnitReporter(path);
  for (const r of results) rep.result(r);
  await rep.end(summaryOf(results, wallMs));
  const root = parseXml(await readFile(path, 'utf8'));
  const [suite] = childrenNamed(root, 'testsuite');
  if (suite === undefined) throw new Error('no testsuite');
  return { root, suite, cases: childrenNamed(suite, 'testcase') };
}

const sample = (): Result[] => [
  makeResult({ index: 0, timings: { total: 12.3456 } }),
  makeResult({ index: 1, name: 'api health', url: 'https://api.example.com:8443/health' }),
  makeResult({ index: 2, status: 503, ok: false, failures: ['status 503 not in 200-399'] }),
  makeError(3, { code: 'timeout', phase: 'headers', message: 'headers from 127.0.0.1:9 timed out after 1000 ms' }),
  makeError(4, { code: 'invalid_target', message: 'not a URL' }, { url: null, input: 'ht!tp://' }),
  makeError(5, { code: 'cancelled', message: 'run cancelled' }),
];

describe('junit reporter', () => {
  it('writes the root tags with their counts and no padding (issue 23 item 8)', async () => {
    const path = join(dir, `report-${n++}.xml`);
    const results = sample();
    const rep = createJUnitReporter(path);
    for (const r of results) rep.result(r);
    await rep.end(summaryOf(results, 1234));
    const [, first, second] = (await readFile(path, 'utf8')).split('\n');
    expect(first).toBe('<testsuites name="fetch-many" tests="6" failures="1" errors="2" skipped="1" time="1.234">');
    expect(second).toMatch(
      /^ {2}<testsuite name="fetch-many" tests="6" failures="1" errors="2" skipped="1" time="1\.234" timestamp="[\dT:-]+Z">$/,
    );
    // No temp file is left beside it (the counts went in through a second one).
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('carries a long reason whole in the failure message and body (issue 19 item 3)', async () => {
    const words = Array.from({ length: 80 }, (_, i) => `word${i}`)
      .join(' ')
      .slice(0, 400);
    const { cases } = await run([makeError(0, { code: 'timeout', message: words })]);
    const error = cases[0]?.children.find((c) => c.name === 'error');
    expect(error?.attrs.message).toBe(words);
  });

  it('writes one testcase per target in input order, with counts on the suite', async () => {
    const { root, suite, cases } = await run(shuffled(sample()));
    expect(root.name).toBe('testsuites');
    expect(suite.attrs).toMatchObject({
      name: 'fetch-many',
      tests: '6',
      failures: '1',
      errors: '2',
      skipped: '1',
      time: '1.234',
    });
    expect(root.attrs).toMatchObject({ tests: '6', failures: '1', errors: '2', skipped: '1' });
    expect(suite.attrs.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(cases.map((c) => c.attrs.name)).toEqual([
      'GET http://127.0.0.1:8080/item/0',
      'api health',
      'GET http://127.0.0.1:8080/item/2',
      'GET http://127.0.0.1:8080/item/3',
      'ht!tp://',
      'GET http://127.0.0.1:8080/item/5',
    ]);
    expect(cases.map((c) => c.attrs.classname)).toEqual([
      '127.0.0.1:8080',
      'api.example.com:8443',
      '127.0.0.1:8080',
      '127.0.0.1:8080',
      'invalid',
      '127.0.0.1:8080',
    ]);
    expect(cases[0]?.attrs.time).toBe('0.012');
  });

  it('maps expectations to <failure>, transport errors to <error>, cancelled to <skipped>', async () => {
    const { cases } = await run(sample());
    const kinds = cases.map((c) => c.children.map((k) => k.name).join(','));
    expect(kinds).toEqual(['', '', 'failure', 'error', 'error', 'skipped']);
    const failure = cases[2]?.children[0];
    expect(failure?.attrs).toEqual({ message: 'status 503 not in 200-399', type: 'expectation' });
    expect(failure?.text).toContain('status 503');
    const error = cases[3]?.children[0];
    expect(error?.attrs).toEqual({
      message: 'headers from 127.0.0.1:9 timed out after 1000 ms',
      type: 'timeout:headers',
    });
    expect(cases[4]?.children[0]?.attrs.type).toBe('invalid_target');
  });

  it('escapes markup and strips what XML cannot carry', async () => {
    const name = `<script>alert("x") & 'y'</script>\x00\x1b[31m\ud800`;
    const message = 'bad header <x-y> & "z"\r\nsecond line\x07';
    const { cases } = await run([
      makeResult({ index: 0, name, status: 500, ok: false, failures: [message] }),
      makeError(1, { code: 'protocol', message }),
    ]);
    expect(cases[0]?.attrs.name).toBe(`<script>alert("x") & 'y'</script>[31m`);
    expect(cases[0]?.children[0]?.attrs.message).toBe('bad header <x-y> & "z"\r\nsecond line');
    expect(cases[1]?.children[0]?.text).toContain('bad header <x-y> & "z"\r\nsecond line');
  });

  it('writes a valid file for an empty run', async () => {
    const { suite, cases } = await run([]);
    expect(suite.attrs.tests).toBe('0');
    expect(cases).toEqual([]);
  });

  it('replaces an existing file whole and leaves no temp file behind', async () => {
    const sub = await mkdtemp(join(dir, 'atomic-'));
    const path = join(sub, 'junit.xml');
    await writeFile(path, 'old contents');
    const rep = createJUnitReporter(path);
    rep.result(makeResult());
    await rep.end(summaryOf([makeResult()]));
    expect(await readdir(sub)).toEqual(['junit.xml']);
    expect(
      childrenNamed(childrenNamed(parseXml(await readFile(path, 'utf8')), 'testsuite')[0]!, 'testcase'),
    ).toHaveLength(1);
  });

  it('rejects when the directory does not exist', async () => {
    const rep = createJUnitReporter(join(dir, 'missing-dir', 'junit.xml'));
    await expect(rep.end(summaryOf([]))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('stays well-formed with one testcase per result for any run (property)', async () => {
    await fc.assert(
      fc.asyncProperty(arbRun, async (results) => {
        const { suite, cases } = await run(results);
        expect(cases).toHaveLength(results.length);
        expect(Number(suite.attrs.tests)).toBe(results.length);
        // `<properties>` (httpVersion, savedTo, digests) comes first when present; the outcome follows.
        const outcomes = (c: (typeof cases)[number]) => c.children.filter((child) => child.name !== 'properties');
        const counted = (kind: string): number => cases.filter((c) => outcomes(c)[0]?.name === kind).length;
        expect(Number(suite.attrs.failures)).toBe(counted('failure'));
        expect(Number(suite.attrs.errors)).toBe(counted('error'));
        expect(Number(suite.attrs.skipped)).toBe(counted('skipped'));
        // Every not-ok result shows up as something other than a pass.
        const byIndex = [...results].sort((a, b) => a.index - b.index);
        for (const [i, r] of byIndex.entries()) {
          expect(outcomes(cases[i]!).length).toBe(r.ok && r.error === null ? 0 : 1);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('streams: 200,000 testcases reach the disk before end(), in input order (issue 12 item 4)', async () => {
    const sub = await mkdtemp(join(dir, 'stream-'));
    const path = join(sub, 'big.xml');
    const rep = createJUnitReporter(path);
    const count = 200_000;
    // Completion order differs from input order in small windows: pairs swapped.
    for (let i = 0; i < count; i += 2) {
      rep.result(makeResult({ index: i + 1 }));
      rep.result(makeResult({ index: i }));
    }
    // Before end(): the temp file beside the report already holds the bulk of the testcases.
    let tmpSize = 0;
    for (let guard = 0; guard < 500 && tmpSize < 10_000_000; guard++) {
      await new Promise((r) => setTimeout(r, 5));
      const tmp = (await readdir(sub)).find((f) => f.endsWith('.tmp'));
      tmpSize = tmp === undefined ? 0 : (await stat(join(sub, tmp))).size;
    }
    expect(tmpSize).toBeGreaterThan(10_000_000);
    const summary = summaryOf([], 1000);
    await rep.end({ ...summary, total: count, ok: count });
    const text = await readFile(path, 'utf8');
    expect(text.match(/<testcase /g)).toHaveLength(count);
    expect(text.slice(0, 400)).toMatch(
      /<testsuite name="fetch-many" tests="200000" failures="0" errors="0" skipped="0"/,
    );
    // In input order: the item numbers of the first few names.
    const firstNames = [...text.slice(0, 2000).matchAll(/item\/(\d+)"/g)].map((m) => Number(m[1]));
    expect(firstNames.slice(0, 4)).toEqual([0, 1, 2, 3]);
    expect(await readdir(sub)).toEqual(['big.xml']);
  }, 60_000);

  it('discard() removes the temp file and leaves an existing report untouched', async () => {
    const sub = await mkdtemp(join(dir, 'discard-'));
    const path = join(sub, 'junit.xml');
    await writeFile(path, 'kept');
    const rep = createJUnitReporter(path);
    await rep.discard?.();
    expect(await readdir(sub)).toEqual(['junit.xml']);
    expect(await readFile(path, 'utf8')).toBe('kept');
  });
});
