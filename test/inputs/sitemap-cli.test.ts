import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { parseNdjson, runCli, tempDir } from '../cli/harness.js';
import { type SiteServer, startHttpSite, startSitemapSite } from './site.js';

let site: SiteServer | null = null;
afterEach(async () => {
  await site?.close();
  site = null;
});

describe('--sitemap', () => {
  it('reads an index of 3 sitemaps (one gzipped), 20,000 pages: every broken one reported once, pages fetched while sitemaps still arrive', async () => {
    const broken = new Set(Array.from({ length: 30 }, (_, i) => i * 661 + 17));
    site = await startSitemapSite({ pages: 20_000, sitemaps: 3, broken, gzipped: new Set([1]) });
    const run = await runCli(['--sitemap', `${site.origin}/sitemap-index.xml`, '--ndjson', '--no-progress'], {
      killAfterMs: 120_000,
    });
    expect(run.stderr).not.toContain('fetch-many:');
    expect(run.code).toBe(1);
    const results = parseNdjson(run.stdout);
    expect(results).toHaveLength(20_000);
    const failed = results.filter((r) => !r.ok);
    const failedPages = failed.map((r) => Number(/\/page\/(\d+)$/.exec(r.url ?? '')?.[1])).sort((a, b) => a - b);
    expect(failedPages).toEqual([...broken].sort((a, b) => a - b));
    expect(failed.every((r) => r.status === 404)).toBe(true);
    // Each page once, each with the sitemap that listed it.
    expect(new Set(results.map((r) => r.url)).size).toBe(20_000);
    for (let k = 0; k < 20_000; k++) expect(site.hits.get(`/page/${k}`)).toBe(1);
    expect(results.find((r) => r.url === `${site?.origin}/page/7000`)?.from).toBe(`${site.origin}/sitemap-1.xml.gz`);
    // Streaming: every sitemap held back its second half until a page of its first half was
    // requested. A reader that waited for the whole sitemap would have made each one give up.
    const events = site.events;
    expect(events.filter((e) => e.includes('gave up'))).toEqual([]);
    for (const n of [0, 1, 2]) expect(events).toContain(`sitemap ${n} end`);
    const firstPage = events.findIndex((e) => e.startsWith('page '));
    expect(firstPage).toBeGreaterThan(-1);
    expect(firstPage).toBeLessThan(events.indexOf('sitemap 2 end'));
    expect(firstPage).toBeLessThan(events.indexOf('sitemap 0 end'));
  }, 150_000);

  it('reports a sitemap that cannot be read as one `input` result, and still runs what it listed', async () => {
    site = await startHttpSite((path) => {
      if (path === '/truncated.xml')
        return { status: 200, body: '<urlset><url><loc>/ok</loc></url><url><loc>/ok2</lo' };
      if (path === '/ok' || path === '/ok2') return { status: 200, body: 'ok' };
      return { status: 404, body: 'no' };
    });
    const origin = site.origin;
    const run = await runCli(
      ['--sitemap', `${origin}/truncated.xml`, '--sitemap', `${origin}/missing.xml`, '--ndjson', '--no-progress'],
      {},
    );
    expect(run.code).toBe(1);
    const results = parseNdjson(run.stdout);
    const inputErrors = results.filter((r) => r.error?.code === 'input');
    expect(inputErrors.map((r) => r.input).sort()).toEqual([`${origin}/missing.xml`, `${origin}/truncated.xml`]);
    expect(inputErrors.find((r) => r.input.endsWith('missing.xml'))?.error?.message).toContain('status 404');
    expect(inputErrors.find((r) => r.input.endsWith('truncated.xml'))?.error?.message).toMatch(/not valid XML/);
    // The one page listed before the break ran, resolved against the sitemap's URL.
    expect(results.filter((r) => r.ok).map((r) => r.url)).toEqual([`${origin}/ok`]);
  });

  it('reads sitemap files (plain, gzip, index with relative paths) and robots.txt Sitemap lines', async () => {
    site = await startHttpSite((path) => ({ status: path === '/gone' ? 410 : 200, body: 'x' }));
    const { dir, cleanup } = await tempDir();
    try {
      const o = site.origin;
      await writeFile(
        join(dir, 'a.xml'),
        `<urlset>\n<url><loc>${o}/a</loc></url>\n<url><loc>${o}/gone</loc></url>\n</urlset>\n`,
      );
      await writeFile(join(dir, 'b.xml.gz'), gzipSync(`<urlset><url><loc>${o}/b</loc></url></urlset>`));
      await writeFile(
        join(dir, 'index.xml'),
        '<sitemapindex><sitemap><loc>a.xml</loc></sitemap><sitemap><loc>b.xml.gz</loc></sitemap></sitemapindex>',
      );
      await writeFile(join(dir, 'robots.txt'), `User-agent: *\nDisallow:\nSitemap: ${join(dir, 'a.xml')}\n`);
      const run = await runCli(['--sitemap', join(dir, 'index.xml'), '--ndjson', '--no-progress']);
      const results = parseNdjson(run.stdout);
      expect(results.map((r) => [r.url, r.status, r.source])).toEqual([
        [`${o}/a`, 200, { file: join(dir, 'a.xml'), line: 2 }],
        [`${o}/gone`, 410, { file: join(dir, 'a.xml'), line: 3 }],
        [`${o}/b`, 200, { file: join(dir, 'b.xml.gz'), line: 1 }],
      ]);
      const robots = await runCli(['--sitemap', join(dir, 'robots.txt'), '--list']);
      expect(robots.code).toBe(0);
      expect(
        robots.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l).url),
      ).toEqual([`${o}/a`, `${o}/gone`]);
    } finally {
      await cleanup();
    }
  });

  it("fetches a sitemap with the run's headers but not its method or body; the pages get those", async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers['x-token'] ?? '-'}`);
      if (req.url === '/sitemap.xml') res.end(`<urlset><url><loc>/page</loc></url></urlset>`);
      else res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const o = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const run = await runCli([
        '--sitemap',
        `${o}/sitemap.xml`,
        '-X',
        'POST',
        '-d',
        'a=1',
        '-H',
        'X-Token: t',
        '--ndjson',
      ]);
      expect(run.code).toBe(0);
      expect(seen).toEqual(['GET /sitemap.xml t', 'POST /page t']);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
