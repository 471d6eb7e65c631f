/**
 * `--every` with the site inputs: each round reads --links, --sitemap and --crawl anew. Their
 * sources are read once each, so a second round once found no --links or --sitemap targets, and
 * a --crawl round waited for a crawler nothing fed: node ended the process with exit 13.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, tempDir, waitFor } from '../cli/harness.js';
import { type SiteServer, startHttpSite } from './site.js';

let site: SiteServer;
let tmp: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  site = await startHttpSite((path) => {
    if (path === '/') return { status: 200, type: 'text/html', body: '<a href="/a">a</a> <a href="/gone">gone</a>' };
    if (path === '/sitemap.xml') {
      const urls = ['/a', '/gone'].map((p) => `<url><loc>${site.origin}${p}</loc></url>`).join('');
      return {
        status: 200,
        type: 'application/xml',
        body: `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls}</urlset>`,
      };
    }
    return { status: path === '/gone' ? 404 : 200, body: 'x' };
  });
  tmp = await tempDir();
});

afterAll(async () => {
  await site.close();
  await tmp.cleanup();
});

/** Runs `--every 20ms` until three rounds have printed their summary, then SIGINT. */
async function threeRounds(args: string[]): Promise<string[]> {
  const live = startCli(['--every', '20ms', ...args], { killAfterMs: 60_000 });
  const summaries = (): string[] => live.stderr().match(/^\d+ targets?: .*$/gm) ?? [];
  await waitFor(() => summaries().length >= 3 || live.child.exitCode !== null, 'three rounds', 45_000);
  live.child.kill('SIGINT');
  const run = await live.done;
  expect(run.code, run.stderr).toBe(130);
  return summaries().slice(0, 3);
}

describe('--every with --links, --sitemap and --crawl', () => {
  it('--links: every round checks the links of the files', async () => {
    const doc = await tmp.file('doc.md', `[a](${site.origin}/a)\n[gone](${site.origin}/gone)\n`);
    const rounds = await threeRounds(['--links', doc]);
    expect(rounds).toHaveLength(3);
    for (const line of rounds) expect(line).toMatch(/^2 targets: 1 ok, 1 failed/);
  });

  it('--sitemap: every round reads the sitemap again', async () => {
    const rounds = await threeRounds(['--sitemap', `${site.origin}/sitemap.xml`]);
    expect(rounds).toHaveLength(3);
    for (const line of rounds) expect(line).toMatch(/^2 targets: 1 ok, 1 failed/);
  });

  it('--crawl: every round crawls the site again', async () => {
    const rounds = await threeRounds(['--crawl', `${site.origin}/`]);
    expect(rounds).toHaveLength(3);
    for (const line of rounds) expect(line).toMatch(/^3 targets: 2 ok, 1 failed/);
  });
});
