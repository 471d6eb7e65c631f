import { Parser } from 'htmlparser2';
import { LineCounter } from './lines.js';
import { resolveLink } from './resolve.js';

/** The elements and attributes whose URL is fetched. */
const LINK_ATTRIBUTE: Readonly<Record<string, string>> = {
  a: 'href',
  link: 'href',
  img: 'src',
  script: 'src',
  source: 'src',
  iframe: 'src',
};

/**
 * The tokenizer holds a tag (or comment) whole until its `>`: past this many characters without
 * one, the document is not read further (one `input` result), so memory stays bounded.
 */
const MAX_TAG = 4 * 1024 * 1024;

/**
 * Links in HTML, push-fed ({@link write} text as it is read, then {@link end}) through
 * htmlparser2's streaming tokenizer: `a[href]`, `link[href]`, `img[src]`, `script[src]`,
 * `source[src]`, `iframe[src]`, each with the line its tag starts on. The first `<base href>`
 * becomes the base of the links after it (itself resolved against `base`). Nothing of the
 * document is kept but the tokenizer's current token.
 */
export class HtmlLinks {
  /** Why reading stopped early (a tag that never ends), or null. */
  error: string | null = null;
  private readonly parser: Parser;
  private readonly lines: LineCounter;
  private baseSet = false;
  /** Characters since the last `>`: a tag or comment being read, which the tokenizer holds whole. */
  private sinceTagEnd = 0;

  constructor(
    onLink: (url: string, line: number) => void,
    private base: string | undefined,
    firstLine = 1,
  ) {
    this.lines = new LineCounter(firstLine);
    this.parser = new Parser(
      {
        // Every token moves the line count on, so only the current token's newlines are kept.
        ontext: () => this.lines.lineAt(this.parser.startIndex),
        oncomment: () => this.lines.lineAt(this.parser.startIndex),
        onclosetag: () => this.lines.lineAt(this.parser.startIndex),
        onopentag: (name, attributes) => {
          // htmlparser2 keeps open elements with Array#unshift, O(depth) per tag: 400,000 nested
          // <div>s took 87 s. No tree is needed here, so only the innermost 256 are kept.
          const stack = (this.parser as unknown as { stack: string[] }).stack;
          if (stack.length > 512) stack.length = 256;
          if (name === 'base' && !this.baseSet && attributes.href !== undefined) {
            this.baseSet = true;
            const resolved = resolveLink(attributes.href, this.base);
            if (resolved !== null) this.base = resolved;
            return;
          }
          const attribute = LINK_ATTRIBUTE[name];
          const href = attribute === undefined ? undefined : attributes[attribute];
          if (href === undefined) return;
          const url = resolveLink(href, this.base);
          if (url !== null) onLink(url, this.lines.lineAt(this.parser.startIndex));
        },
      },
      { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
    );
  }

  write(text: string): void {
    if (this.error !== null) return;
    const gt = text.lastIndexOf('>');
    this.sinceTagEnd = gt === -1 ? this.sinceTagEnd + text.length : text.length - gt - 1;
    if (this.sinceTagEnd > MAX_TAG) {
      this.error = `a tag or comment over ${MAX_TAG / 1024 / 1024} MiB long (no ">" in it), not read further`;
      return;
    }
    this.lines.add(text);
    this.parser.write(text);
  }

  end(): void {
    if (this.error === null) this.parser.end();
  }
}

/** {@link HtmlLinks} over one string (an HTML block of a Markdown file). */
export function htmlLinks(
  text: string,
  base: string | undefined,
  firstLine: number,
  onLink: (url: string, line: number) => void,
): void {
  const links = new HtmlLinks(onLink, base, firstLine);
  links.write(text);
  links.end();
}
