import sax from 'sax';

/** What a sitemap lists, as it is read. */
export interface SitemapHandler {
  /** A page (`<urlset><url><loc>`), with the line its `<loc>` is on. */
  page(url: string, line: number): void;
  /** A sitemap of a sitemap index (`<sitemapindex><sitemap><loc>`). */
  sitemap(url: string, line: number): void;
}

/** The sitemap protocol's own limits (sitemaps.org): 50,000 URLs and 50 MB uncompressed. */
export const MAX_SITEMAP_URLS = 50_000;
export const MAX_SITEMAP_BYTES = 50 * 1024 * 1024;
/** No sitemap nests deeper than 3 (`urlset > url > loc`, plus extensions such as `image:image`). */
const MAX_DEPTH = 16;
/** A URL is under 2,048 characters by the protocol; a longer `<loc>` is not a URL we fetch. */
const MAX_LOC = 8192;

/**
 * A push-fed sitemap (or sitemap index) reader over sax, strict XML: {@link write} text as it
 * arrives, {@link end} at the end. Each `<loc>` is handed over as soon as its element closes, so
 * the first page can be fetched while the rest of the sitemap is still arriving. Memory is bounded
 * whatever the input: one `<loc>` at most, an element stack at most {@link MAX_DEPTH} deep, and the
 * protocol's limits on URLs and bytes. The first problem stops the reading; {@link error} then
 * says what it was (what was listed before it still stands).
 */
export class SitemapParser {
  error: string | null = null;
  private readonly parser: sax.SAXParser;
  private kind: 'urlset' | 'sitemapindex' | null = null;
  private depth = 0;
  /** Inside `<url>`/`<sitemap>` → `<loc>`: the text read so far; null elsewhere. */
  private loc: string | null = null;
  private locLine = 0;
  private urls = 0;
  private bytes = 0;

  constructor(private readonly handler: SitemapHandler) {
    const parser = sax.parser(true, { trim: false, normalize: false, position: true });
    parser.onopentag = (tag) => this.open(localName(tag.name));
    parser.onclosetag = (name) => this.close(localName(name));
    parser.ontext = (text) => this.text(text);
    parser.oncdata = (text) => this.text(text);
    parser.onerror = (err) => {
      // sax's message has "\nLine: …\nColumn: …\nChar: …" after the first line.
      this.stop(`not valid XML at line ${parser.line + 1}: ${firstLine(err.message)}`);
    };
    this.parser = parser;
  }

  get stopped(): boolean {
    return this.error !== null;
  }

  write(text: string): void {
    if (this.stopped) return;
    this.bytes += text.length;
    if (this.bytes > MAX_SITEMAP_BYTES) {
      this.stop(`over ${MAX_SITEMAP_BYTES / 1024 / 1024} MiB (the sitemap protocol's limit)`);
      return;
    }
    try {
      this.parser.write(text);
    } catch (err) {
      this.stop(firstLine((err as Error).message));
    }
  }

  end(): void {
    if (this.stopped) return;
    try {
      this.parser.close();
    } catch (err) {
      this.stop(firstLine((err as Error).message));
    }
    if (!this.stopped && this.kind === null) this.stop('empty: no <urlset> or <sitemapindex>');
  }

  private open(name: string): void {
    if (this.stopped) return;
    this.depth++;
    if (this.depth > MAX_DEPTH) {
      this.stop(`elements nested deeper than ${MAX_DEPTH}`);
      return;
    }
    if (this.depth === 1) {
      if (name === 'urlset' || name === 'sitemapindex') this.kind = name;
      else this.stop(`not a sitemap: the root element is <${name.slice(0, 40)}>, not <urlset> or <sitemapindex>`);
      return;
    }
    if (this.depth === 3 && name === 'loc') {
      this.loc = '';
      this.locLine = this.parser.line + 1;
    }
  }

  private close(name: string): void {
    if (this.stopped) return;
    this.depth--;
    if (this.depth !== 2 || name !== 'loc' || this.loc === null) return;
    const url = this.loc.trim();
    this.loc = null;
    if (url === '') return;
    if (++this.urls > MAX_SITEMAP_URLS) {
      this.stop(`lists over ${MAX_SITEMAP_URLS} URLs (the sitemap protocol's limit); the rest were not read`);
      return;
    }
    if (this.kind === 'sitemapindex') this.handler.sitemap(url, this.locLine);
    else this.handler.page(url, this.locLine);
  }

  private text(text: string): void {
    if (this.loc === null || this.stopped) return;
    if (this.loc.length + text.length > MAX_LOC) {
      this.stop(`a <loc> at line ${this.locLine} is over ${MAX_LOC} characters`);
      return;
    }
    this.loc += text;
  }

  private stop(message: string): void {
    if (this.error === null) this.error = message;
    this.loc = null;
  }
}

/** `ns:url` → `url`: sitemaps are matched by local name, whatever prefix their namespace has. */
function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

function firstLine(message: string): string {
  const nl = message.indexOf('\n');
  return (nl === -1 ? message : message.slice(0, nl)).slice(0, 200);
}
