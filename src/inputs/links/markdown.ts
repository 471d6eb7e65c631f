import markdownIt, { type MarkdownIt, type Token } from 'markdown-it';
import { htmlLinks } from './html.js';
import { resolveLink } from './resolve.js';

let md: MarkdownIt | null = null;

/** CommonMark with HTML and bare-URL autolinks (linkify) on; `example.com` without a scheme is not a link. */
function parser(): MarkdownIt {
  if (md === null) {
    md = markdownIt('default', { html: true, linkify: true });
    md.linkify.set({ fuzzyLink: false, fuzzyEmail: false });
  }
  return md;
}

/**
 * Links in a Markdown text, each with its line: inline links and images, reference links (at the
 * line that uses them), autolinks (`<https://…>`), bare URLs, and the links of raw HTML in it.
 * What is in code spans, fenced or indented code is code, not links. markdown-it gives each block
 * its lines; within a paragraph the line is found by counting its line breaks. Returns why the
 * text could not be read whole, or null.
 */
export function markdownLinks(
  text: string,
  base: string | undefined,
  onLink: (url: string, line: number) => void,
): string | null {
  const md = parser();
  const tokens = md.parse(text, {});
  // markdown-it stops reading blocks nested deeper than maxNesting (100), silently: say so.
  const limit = md.options.maxNesting ?? 100;
  let deep = false;
  for (const token of tokens) {
    if (token.level >= limit - 1) deep = true;
    const first = (token.map?.[0] ?? 0) + 1;
    if (token.type === 'html_block') htmlLinks(token.content, base, first, onLink);
    else if (token.type === 'inline' && token.children !== null) inline(token.children, first, base, onLink);
  }
  return deep ? `Markdown nested over ${limit} levels deep: not read past that` : null;
}

function inline(
  children: Token[],
  firstLine: number,
  base: string | undefined,
  onLink: (url: string, line: number) => void,
): void {
  let line = firstLine;
  for (const child of children) {
    switch (child.type) {
      case 'softbreak':
      case 'hardbreak':
        line++;
        break;
      case 'link_open':
      case 'image': {
        const href = child.attrGet(child.type === 'image' ? 'src' : 'href');
        const url = href === null ? null : resolveLink(String(href), base);
        if (url !== null) onLink(url, line);
        break;
      }
      case 'html_inline':
        htmlLinks(child.content, base, line, onLink);
        break;
      default:
    }
  }
}
