/**
 * Malformed inputs (issue 21): truncated, 100 MB, deeply nested and binary sitemaps, HTML and
 * Markdown each end in one clear result — an `input` error naming what was wrong, or the links
 * read before the damage — with the CLI's peak RSS (VmHWM, read by the child at exit) at most
 * 150 MiB. The 100 MB inputs are generated as they are sent or written, never held.
 */
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../src/types.js';
import { type CliRun, parseNdjson, ROOT, runCli, tempDir } from '../cli/harness.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const MB = 1024 * 1024;
const LIMIT_KB = 150 * 1024;
const PRELOAD = join(ROOT, 'test', 'helpers', 'peak-rss-report.mjs');

/** `total` bytes: `head`, then `piece` repeated, then `tail`, written chunk by chunk. */
function* generate(head: string, piece: string, total: number, tail = ''): Generator<Buffer> {
  yield Buffer.from(head);
  const block = Buffer.from(piece.repeat(Math.max(1, Math.floor((64 * 1024) / piece.length))));
  for (let sent = head.length; sent < total; sent += block.length) yield block;
  if (tail !== '') yield Buffer.from(tail);
}

async function writeGenerated(path: string, chunks: Iterable<Buffer>): Promise<string> {
  const out = createWriteStream(path);
  for (const chunk of chunks) if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return path;
}

let server: Server;
let origin: string;
let dir: Awaited<ReturnType<typeof tempDir>>;
const routes = new Map<string, () => Iterable<Buffer>>();

beforeAll(async () => {
  dir = await tempDir();
  server = createServer(async (req, res) => {
    const make = routes.get(req.url ?? '');
    if (make === undefined) {
      res.statusCode = req.url?.startsWith('/page') ? 200 : 404;
      res.end('x');
      return;
    }
    res.setHeader('content-type', req.url?.endsWith('.html') ? 'text/html' : 'application/xml');
    // Sent as generated, with back-pressure: the client may stop reading (and close) any time.
    res.on('error', () => {});
    for (const chunk of make()) {
      if (res.destroyed) return;
      if (!res.write(chunk)) {
        await new Promise<void>((resolve) => {
          res.once('drain', () => resolve());
          res.once('close', () => resolve());
        });
      }
    }
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  routes.set('/huge.xml', () =>
    generate(
      `<urlset><url><loc>${origin}/page/1</loc></url>\n`,
      '<!-- padding padding padding -->\n',
      100 * MB,
      '</urlset>',
    ),
  );
  routes.set('/nested.xml', () => generate('<urlset>', '<a>', 20 * MB));
  routes.set('/binary.xml', () => [randomBytes(1 * MB)]);
  routes.set('/truncated.xml', () => [Buffer.from(`<urlset><url><loc>${origin}/page/2</loc></url><url><lo`)]);
  routes.set('/huge-tag.html', () => generate(`<a href="${origin}/page/3">ok</a><a title="`, 'x', 100 * MB, '">'));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await dir.cleanup();
});

async function measured(args: string[]): Promise<{ run: CliRun; results: Result[]; peakKb: number }> {
  const run = await runCli([...args, '--ndjson', '--no-progress'], {
    env: { NODE_OPTIONS: `--import=${PRELOAD}` },
    cwd: dir.dir,
    killAfterMs: 120_000,
  });
  const m = /PEAK_RSS_KB=(\d+)/.exec(run.stderr);
  expect(m, run.stderr.slice(-500)).not.toBeNull();
  expect(run.stderr).not.toMatch(/^fetch-many: internal error/m);
  expect([0, 1]).toContain(run.code);
  return { run, results: parseNdjson(run.stdout), peakKb: Number(m?.[1]) };
}

const inputErrors = (results: Result[]) => results.filter((r) => r.error?.code === 'input');

describe('malformed sitemaps', () => {
  it.each([
    ['huge.xml', /over 50 MiB/, [`/page/1`]],
    ['nested.xml', /nested deeper than 16/, []],
    ['binary.xml', /not valid XML/, []],
    ['truncated.xml', /not valid XML.*Unclosed/, [`/page/2`]],
  ])(
    '%s: one `input` result, the pages read before it, bounded memory',
    async (name, why, pages) => {
      const { results, peakKb } = await measured(['--sitemap', `${origin}/${name}`]);
      const errors = inputErrors(results);
      expect(errors).toHaveLength(1);
      expect(errors[0]?.error?.message).toMatch(why);
      expect(errors[0]?.input).toBe(`${origin}/${name}`);
      expect(results.filter((r) => r.error === null).map((r) => r.url)).toEqual(pages.map((p) => origin + p));
      expect(peakKb).toBeLessThanOrEqual(LIMIT_KB);
    },
    150_000,
  );
});

describe('malformed HTML and Markdown files', () => {
  it('100 MB of Markdown: one `input` result, never read whole', async () => {
    const path = await writeGenerated(
      join(dir.dir, 'huge.md'),
      generate(`[a](${origin}/page/4)\n`, 'text text\n', 100 * MB),
    );
    const { results, peakKb } = await measured(['--links', path]);
    expect(inputErrors(results).map((r) => r.error?.message)).toEqual([
      expect.stringMatching(/over 8 MiB of Markdown/),
    ]);
    expect(peakKb).toBeLessThanOrEqual(LIMIT_KB);
  }, 150_000);

  it('100 MB of HTML with one endless tag: the links before it, one `input` result, bounded memory', async () => {
    const path = await writeGenerated(
      join(dir.dir, 'huge.html'),
      generate(`<a href="${origin}/page/5">ok</a>\n<a title="`, 'x', 100 * MB, '">'),
    );
    const { results, peakKb } = await measured(['--links', path]);
    expect(results.filter((r) => r.ok).map((r) => r.url)).toEqual([`${origin}/page/5`]);
    expect(inputErrors(results).map((r) => r.error?.message)).toEqual([expect.stringMatching(/tag .*over 4 MiB/)]);
    expect(peakKb).toBeLessThanOrEqual(LIMIT_KB);
  }, 150_000);

  it('100 MB of ordinary HTML streams through: every link found, bounded memory', async () => {
    const path = await writeGenerated(
      join(dir.dir, 'long.html'),
      generate('<html><body>\n', `<p>para <a href="${origin}/page/6">same link</a></p>\n`, 100 * MB),
    );
    const { results, peakKb } = await measured(['--links', path]);
    expect(results).toHaveLength(1);
    // Found on each of its 1.3 million lines; the first 1,000 places are kept.
    expect(results[0]?.sources?.length).toBe(1000);
    expect(results[0]?.sources?.[999]).toEqual({ file: path, line: 1001 });
    expect(peakKb).toBeLessThanOrEqual(LIMIT_KB);
  }, 150_000);

  it('deeply nested, truncated and binary files: one clear result each', async () => {
    const nestedMd = await writeGenerated(
      join(dir.dir, 'nested.md'),
      generate('', '> ', 4 * MB, `[deep](${origin}/page/7)\n`),
    );
    const nestedHtml = await writeGenerated(
      join(dir.dir, 'nested.html'),
      generate('', '<div>', 20 * MB, `<a href="${origin}/page/8">x</a>`),
    );
    const truncated = await dir.file(
      'truncated.md',
      `[ok](${origin}/page/9)\n\n\`\`\`\n[in an unclosed fence](${origin}/page/10)\n`,
    );
    const truncatedHtml = await dir.file(
      'truncated.html',
      `<a href="${origin}/page/11">x</a><a href="${origin}/page/12`,
    );
    const binary = await dir.file(
      'binary.md',
      Buffer.concat([Buffer.from('[x](http://127.0.0.1:1/)\n'), randomBytes(4096), Buffer.alloc(8)]),
    );
    const { results, peakKb } = await measured(['--links', nestedMd, nestedHtml, truncated, truncatedHtml, binary]);
    const ok = results
      .filter((r) => r.ok)
      .map((r) => r.url)
      .sort();
    // Past markdown-it's 100 levels nothing is read (page 7): that file is an `input` result.
    expect(ok).toEqual([8, 9, 11].map((n) => `${origin}/page/${n}`).sort());
    expect(inputErrors(results).map((r) => [r.input, r.error?.message])).toEqual([
      [nestedMd, expect.stringMatching(/nested over 100 levels deep/)],
      [binary, expect.stringMatching(/binary file/)],
    ]);
    expect(peakKb).toBeLessThanOrEqual(LIMIT_KB);
  }, 150_000);

  it('a crawled 100 MB page with an endless tag: the page is reported, its links before it crawled, bounded memory', async () => {
    const { results, peakKb } = await measured(['--crawl', `${origin}/huge-tag.html`, '--depth', '1']);
    expect(results.map((r) => r.url).sort()).toEqual([`${origin}/huge-tag.html`, `${origin}/page/3`].sort());
    expect(peakKb).toBeLessThanOrEqual(LIMIT_KB);
  }, 150_000);
});
