import { describe, expect, it } from 'vitest';
import { globMatcher } from '../../src/inputs/links/glob.js';
import { HtmlLinks } from '../../src/inputs/links/html.js';
import { markdownLinks } from '../../src/inputs/links/markdown.js';
import { textLinks } from '../../src/inputs/links/text.js';
import { SitemapParser } from '../../src/inputs/sitemap/parse.js';

const HTML = [
  '<!doctype html><html><head>', // 1
  '<base href="http://127.0.0.1/docs/">', // 2
  '<link rel="icon"\n href="favicon.ico">', // 3-4
  '</head><body>', // 5
  '<a href="a.html#x">a</a> <a href="mailto:x@example.com">m</a>', // 6
  '<!-- <a href="http://127.0.0.1/commented"> -->', // 7
  '<p>text http://127.0.0.1/not-a-link</p><img', // 8
  '\n\nsrc="/img.png"><a href="#top">top</a>', // 9-11 (two blank lines first)
  '<source src="http://127.0.0.1/v.mp4"><iframe src="//127.0.0.1/frame"></iframe>', // 12
].join('\n');

function htmlLinks(chunks: string[]): Array<[string, number]> {
  const found: Array<[string, number]> = [];
  const links = new HtmlLinks((url, line) => found.push([url, line]), undefined);
  for (const chunk of chunks) links.write(chunk);
  links.end();
  return found;
}

describe('HTML links', () => {
  const whole = htmlLinks([HTML]);

  it('finds the link elements, with the line each tag starts on, relative to <base href>', () => {
    expect(whole).toEqual([
      ['http://127.0.0.1/docs/favicon.ico', 3],
      ['http://127.0.0.1/docs/a.html', 6],
      ['http://127.0.0.1/img.png', 8],
      ['http://127.0.0.1/v.mp4', 12],
      ['http://127.0.0.1/frame', 12],
    ]);
  });

  it('gives the same links and lines at every split point of the input', () => {
    for (let at = 0; at <= HTML.length; at++) {
      expect(htmlLinks([HTML.slice(0, at), HTML.slice(at)]), `split at ${at}`).toEqual(whole);
    }
    // And one character at a time.
    expect(htmlLinks([...HTML])).toEqual(whole);
  });
});

describe('Markdown links', () => {
  it('counts lines inside paragraphs and ignores code', () => {
    const found: Array<[string, number]> = [];
    const problem = markdownLinks(
      'a\nb [x](http://127.0.0.1/1)\nc `http://127.0.0.1/code` [y][r]\n\n    http://127.0.0.1/indented\n\n[r]: http://127.0.0.1/2\n',
      undefined,
      (url, line) => found.push([url, line]),
    );
    expect(problem).toBeNull();
    expect(found).toEqual([
      ['http://127.0.0.1/1', 2],
      ['http://127.0.0.1/2', 3],
    ]);
  });
});

describe('text links', () => {
  it.each([
    ['see http://127.0.0.1/a.', ['http://127.0.0.1/a']],
    [
      '(http://127.0.0.1/wiki/X_(y)) and "https://127.0.0.1/q?a=1"',
      ['http://127.0.0.1/wiki/X_(y)', 'https://127.0.0.1/q?a=1'],
    ],
    ['httpx://no http:/no HTTP://127.0.0.1/UP', ['http://127.0.0.1/UP']],
    ['<http://127.0.0.1/b>, http://', ['http://127.0.0.1/b']],
  ])('%s', (line, urls) => {
    const found: string[] = [];
    textLinks(line, (url) => found.push(url));
    expect(found).toEqual(urls);
  });
});

describe('--links-glob', () => {
  it.each([
    ['*.md', 'a/b/c.md', true],
    ['*.md', 'a/b/c.mdx', false],
    ['*.{md,html}', 'x.html', true],
    ['**/*.txt', 'notes.txt', true],
    ['**/*.txt', 'a/b/notes.txt', true],
    ['guide/*.md', 'guide/a.md', true],
    ['guide/*.md', 'other/guide/a.md', false],
    ['a?c*', 'abcdef', true],
    ['*a*a*a*a*a*b', 'a'.repeat(200), false],
  ])('%s matches %s: %s', (glob, path, match) => {
    expect(globMatcher(glob)(path)).toBe(match);
  });
});

describe('sitemap parser', () => {
  it('hands over each <loc> as its element closes, at every split point', () => {
    const xml =
      '<?xml version="1.0"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n<url><loc> http://127.0.0.1/a </loc></url>\n<url><loc><![CDATA[http://127.0.0.1/b?x=1&y=2]]></loc><lastmod>2026-01-01</lastmod></url>\n</urlset>\n';
    for (let at = 0; at <= xml.length; at++) {
      const pages: Array<[string, number]> = [];
      const parser = new SitemapParser({ page: (url, line) => pages.push([url, line]), sitemap: () => {} });
      parser.write(xml.slice(0, at));
      parser.write(xml.slice(at));
      parser.end();
      expect(parser.error).toBeNull();
      expect(pages).toEqual([
        ['http://127.0.0.1/a', 3],
        ['http://127.0.0.1/b?x=1&y=2', 4],
      ]);
    }
  });

  it('refuses another root element, and stops at the protocol limits', () => {
    const other = new SitemapParser({ page: () => {}, sitemap: () => {} });
    other.write('<rss><channel/></rss>');
    other.end();
    expect(other.error).toMatch(/root element is <rss>/);
    let pages = 0;
    const many = new SitemapParser({ page: () => pages++, sitemap: () => {} });
    many.write('<urlset>');
    for (let i = 0; i < 50_001; i++) many.write(`<url><loc>http://127.0.0.1/${i}</loc></url>`);
    many.write('</urlset>');
    many.end();
    expect(pages).toBe(50_000);
    expect(many.error).toMatch(/over 50000 URLs/);
  });
});
