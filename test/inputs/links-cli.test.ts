import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../src/types.js';
import { parseNdjson, runCli, tempDir } from '../cli/harness.js';
import { type SiteServer, startHttpSite } from './site.js';

let site: SiteServer;
let docs: Awaited<ReturnType<typeof tempDir>>;
let o: string;

/** The broken links of the docs folder below, each with every place it is on (file, line). */
let expected: Array<[string, string[]]>;

beforeAll(async () => {
  site = await startHttpSite((path) => ({ status: path.startsWith('/broken') ? 404 : 200, body: 'x' }));
  o = site.origin;
  docs = await tempDir();
  await mkdir(join(docs.dir, 'docs', 'guide'), { recursive: true });
  await writeFile(
    join(docs.dir, 'docs', 'README.md'),
    [
      '# Docs', //                                                     1
      '',
      `An [inline link](${o}/ok/1) and a [broken one](${o}/broken/inline).`, // 3
      `A paragraph over two lines, with the second`, //               4
      `holding a [broken link](${o}/broken/second-line "title").`, // 5
      '',
      `Code spans are not links: \`${o}/broken/code-span\` nor \`[x](${o}/broken/code-span-link)\`.`, // 7
      '',
      '```', //                                                       9
      `[fenced](${o}/broken/fenced)`, //                              10
      `${o}/broken/fenced-bare`,
      '```',
      '',
      `    [indented code](${o}/broken/indented)`, //                 14
      '',
      `Autolink <${o}/broken/autolink> and bare ${o}/broken/bare.`, // 16
      '',
      'A [reference][gone] and an image ![logo](/broken/relative.png).', // 18
      '',
      `[gone]: ${o}/broken/reference`, //                             20
      '',
      `<a href="${o}/broken/inline-html">raw html</a>`, //             22
      '',
    ].join('\n'),
  );
  await writeFile(
    join(docs.dir, 'docs', 'guide', 'page.html'),
    [
      '<!doctype html>', //                                           1
      '<html><head>',
      `<link rel="stylesheet" href="${o}/ok/style.css">`, //           3
      `<script src="${o}/broken/script.js"></script>`, //              4
      '</head><body>',
      `<a href="${o}/broken/inline">again</a>`, //                    6
      '<pre><code>',
      `${o}/broken/text-in-pre`, //                                   8
      '</code></pre>',
      `<img alt="x"`, //                                              10
      `     src="${o}/broken/img.png">`,
      `<iframe src="${o}/ok/frame"></iframe>`, //                     12
      `<!-- <a href="${o}/broken/commented">x</a> -->`, //            13
      '</body></html>',
    ].join('\n'),
  );
  await writeFile(join(docs.dir, 'docs', 'guide', 'notes.txt'), `see ${o}/broken/text.\n`);
  // Not matched by the default glob: never read.
  await writeFile(join(docs.dir, 'docs', 'guide', 'data.json'), `{"u": "${o}/broken/json"}`);
  const md = 'docs/README.md';
  const html = 'docs/guide/page.html';
  expected = [
    [`${o}/broken/inline`, [`${md}:3`, `${html}:6`]],
    [`${o}/broken/second-line`, [`${md}:5`]],
    [`${o}/broken/autolink`, [`${md}:16`]],
    [`${o}/broken/bare`, [`${md}:16`]],
    [`${o}/broken/reference`, [`${md}:18`]],
    [`${o}/broken/relative.png`, [`${md}:18`]],
    [`${o}/broken/inline-html`, [`${md}:22`]],
    [`${o}/broken/script.js`, [`${html}:4`]],
    [`${o}/broken/img.png`, [`${html}:10`]],
    [`${o}/broken/text`, ['docs/guide/notes.txt:1']],
  ];
});

afterAll(async () => {
  await docs.cleanup();
  await site.close();
});

const places = (r: Result): string[] => (r.sources ?? (r.source ? [r.source] : [])).map((s) => `${s.file}:${s.line}`);
const sorted = <T>(list: T[]): T[] => [...list].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe('--links', () => {
  it('finds exactly the broken links of Markdown, HTML and text, each with every file and line (NDJSON)', async () => {
    const run = await runCli(['--links', 'docs', '--base', `${o}/`, '--ndjson', '--no-progress'], { cwd: docs.dir });
    expect(run.code).toBe(1);
    const results = parseNdjson(run.stdout);
    const failed = results.filter((r) => !r.ok);
    expect(sorted(failed.map((r) => [r.url, places(r)]))).toEqual(sorted(expected));
    expect(failed.every((r) => r.status === 404)).toBe(true);
    // The good ones ran too; every URL once, the duplicate fetched once.
    expect(
      results
        .filter((r) => r.ok)
        .map((r) => r.url)
        .sort(),
    ).toEqual([`${o}/ok/1`, `${o}/ok/frame`, `${o}/ok/style.css`]);
    expect(site.hits.get('/broken/inline')).toBe(1);
    const twice = failed.find((r) => r.url === `${o}/broken/inline`);
    expect(twice?.source).toEqual({ file: 'docs/README.md', line: 3 });
    expect(site.hits.has('/broken/code-span')).toBe(false);
    expect(site.hits.has('/broken/json')).toBe(false);
  });

  it('names file:line in the table and in JUnit', async () => {
    const run = await runCli(['--links', 'docs', '--base', `${o}/`, '--junit', 'report.xml', '--no-progress'], {
      cwd: docs.dir,
      env: { COLUMNS: '250' },
    });
    expect(run.code).toBe(1);
    for (const [url, at] of expected) {
      const row = run.stdout.split('\n').findIndex((line) => line.includes(url));
      expect(row, url).toBeGreaterThan(-1);
      // The error text (same line when it fits, else the line below) starts with the places.
      const text = run.stdout
        .split('\n')
        .slice(row, row + 2)
        .join('\n');
      expect(text, url).toContain(`${at.join(', ')}: status 404`);
    }
    const junit = await readFile(join(docs.dir, 'report.xml'), 'utf8');
    for (const [url, at] of expected) {
      const start = junit.indexOf(`name="GET ${url}"`);
      expect(start, url).toBeGreaterThan(-1);
      const testcase = junit.slice(start, junit.indexOf('</testcase>', start));
      const [file, line] = at[0]!.split(':');
      expect(testcase).toContain(`file="${file}" line="${line}"`);
      expect(testcase).toContain(`found at ${at.join(', ')}`);
      expect(testcase).toContain('<failure');
    }
  });

  it('skips relative links without --base, and reads a file given directly whatever its name', async () => {
    const served = [...site.hits.values()].reduce((a, b) => a + b, 0);
    const run = await runCli(['--links', 'docs/README.md', 'docs/guide/data.json', '--list'], { cwd: docs.dir });
    expect(run.code).toBe(0);
    // --list fetches nothing.
    expect([...site.hits.values()].reduce((a, b) => a + b, 0)).toBe(served);
    expect(JSON.parse(run.stdout.split('\n')[0]!)).toEqual({
      url: `${o}/ok/1`,
      method: 'GET',
      source: { file: 'docs/README.md', line: 3 },
    });
    const urls = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).url as string);
    expect(urls).not.toContain(`${o}/broken/relative.png`);
    expect(urls).toContain(`${o}/broken/reference`);
    expect(urls).toContain(`${o}/broken/json`);
    expect(run.stdout).toContain('"source":{"file":"docs/guide/data.json","line":1}');
  });

  it('--links-glob picks the files of a directory', async () => {
    const run = await runCli(['--links', 'docs', '--links-glob', '**/*.txt', '--list'], { cwd: docs.dir });
    expect(
      run.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).url),
    ).toEqual([`${o}/broken/text`]);
  });
});
