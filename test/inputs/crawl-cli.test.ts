import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNdjson, runCli } from '../cli/harness.js';
import { type SiteServer, startCrawlSite, startHttpSite, treeDepth } from './site.js';

const PAGES = 5_000;
const FANOUT = 17;

let site: SiteServer;
let other: SiteServer;
/** Page → the `/missing/<k>` links on it: 50 in all, on pages the crawl reads (depth < 3). */
const broken = new Map<number, number[]>();

beforeAll(async () => {
  for (let k = 0; k < 50; k++) {
    const page = (k * 37) % 300;
    broken.set(page, [...(broken.get(page) ?? []), k]);
  }
  other = await startHttpSite((path) =>
    path === '/ext/page'
      ? { status: 200, type: 'text/html', body: '<a href="/ext/deeper">must not be crawled</a>' }
      : { status: path === '/ext/gone' ? 404 : 200, body: 'x' },
  );
  site = await startCrawlSite({
    pages: PAGES,
    fanout: FANOUT,
    broken,
    external: new Map([
      [5, [`${other.origin}/ext/page`]],
      [6, [`${other.origin}/ext/page`, `${other.origin}/ext/gone`]],
    ]),
  });
});

afterAll(async () => {
  await site.close();
  await other.close();
});

describe('--crawl', () => {
  it('crawls a 5,000-page site at depth 3: exactly its 50 broken links, each page fetched once', async () => {
    expect(treeDepth(PAGES - 1, FANOUT)).toBe(3);
    const run = await runCli(['--crawl', `${site.origin}/p/0`, '--depth', '3', '--ndjson', '--no-progress'], {
      killAfterMs: 120_000,
    });
    expect(run.stderr).not.toContain('fetch-many:');
    expect(run.code).toBe(1);
    const results = parseNdjson(run.stdout);
    const failed = results.filter((r) => !r.ok);
    const expected = [...broken].flatMap(([page, ks]) =>
      ks.map((k) => [`${site.origin}/missing/${k}`, `${site.origin}/p/${page}`]),
    );
    expected.push([`${other.origin}/ext/gone`, `${site.origin}/p/6`]);
    const byUrl = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0]));
    expect(failed.map((r) => [r.url, r.from]).sort(byUrl)).toEqual(expected.sort(byUrl));
    // Every page once: the server counted; pages linked from many (the root, parents) too.
    for (let i = 0; i < PAGES; i++) expect(site.hits.get(`/p/${i}`), `/p/${i}`).toBe(1);
    for (const k of Array.from({ length: 50 }, (_, k) => k)) expect(site.hits.get(`/missing/${k}`)).toBe(1);
    expect([site.hits.get('/style.css'), site.hits.get('/logo.png')]).toEqual([1, 1]);
    // Another origin's page is checked, not crawled.
    expect(other.hits.get('/ext/page')).toBe(1);
    expect(other.hits.has('/ext/deeper')).toBe(false);
    expect(results).toHaveLength(PAGES + 50 + 2 + 2);
    expect(new Set(results.map((r) => r.url)).size).toBe(results.length);
  }, 150_000);

  it('stops at --max-pages', async () => {
    const total = (): number => [...site.hits.values(), ...other.hits.values()].reduce((a, b) => a + b, 0);
    const before = total();
    const run = await runCli(['--crawl', `${site.origin}/p/0`, '--max-pages', '100', '--ndjson', '--no-progress']);
    const results = parseNdjson(run.stdout);
    expect(results).toHaveLength(100);
    // Each result is one request: nothing past the 100th URL was fetched.
    expect(total() - before).toBe(100);
  });

  it('--crawl-origin crawls another origin too; --depth 0 fetches the start page only', async () => {
    const run = await runCli(
      ['--crawl', `${site.origin}/p/5`, '--crawl-origin', other.origin, '--depth', '1', '--list'],
      {},
    );
    // --list fetches nothing: only the start page is known.
    expect(
      run.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).url),
    ).toEqual([`${site.origin}/p/5`]);
    const deeper = other.hits.get('/ext/deeper') ?? 0;
    const crawled = await runCli([
      '--crawl',
      `${site.origin}/p/5`,
      '--crawl-origin',
      other.origin,
      '--depth',
      '2',
      '--ndjson',
    ]);
    const urls = parseNdjson(crawled.stdout).map((r) => r.url);
    expect(urls).toContain(`${other.origin}/ext/deeper`);
    expect(other.hits.get('/ext/deeper')).toBe(deeper + 1);
    const zero = await runCli(['--crawl', `${site.origin}/p/5`, '--depth', '0', '--ndjson']);
    expect(parseNdjson(zero.stdout).map((r) => r.url)).toEqual([`${site.origin}/p/5`]);
  });
});
