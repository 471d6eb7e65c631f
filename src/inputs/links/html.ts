import { Parser } from 'htmlparser2';
import { LineCounter } from './lines.js';
import { resolveLink } from './resolve.js';

/** The elements and attributes whose URL is fetched (issue 21). */
const LINK_ATTRIBUTE: Readonly<Record<string, string>> = {
  a: 'href',
  link: 'href',
  img: 'src',
  script: 'src',
  source: 'src',
  iframe: 'src',
};

/**
 * Links in HTML, push-fed ({@link write} text as it is read, then {@link end}) through
 * htmlparser2's streaming tokenizer: `a[href]`, `link[href]`, `img[src]`, `script[src]`,
 * `source[src]`, `iframe[src]`, each with the line its tag starts on. The first `<base href>`
 * becomes the base of the links after it (itself resolved against `base`). Nothing of the
 * document is kept but the tokenizer's current token.
 */
export class HtmlLinks {
  private readonly parser: Parser;
  private readonly lines: LineCounter;
  private baseSet = false;

  constructor(
    onLink: (url: string, line: number) => void,
    private base: string | undefined,
    firstLine = 1,
  ) {
    this.lines = new LineCounter(firstLine);
    this.parser = new Parser(
      {
        onopentag: (name, attributes) => {
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
    this.lines.add(text);
    this.parser.write(text);
  }

  end(): void {
    this.parser.end();
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
