/**
 * A link as written → the URL to fetch, or null when it is not one: absolute http(s) links as
 * they are, relative ones only against a base (`--base`, `<base href>`); fragments dropped (the
 * server never sees them, and `a#x` and `a#y` are one fetch). Other schemes (mailto:, tel:,
 * javascript:, data:) and links to the same document (`#top`) are not targets.
 */
export function resolveLink(href: string, base: string | undefined): string | null {
  const text = href.trim();
  if (text === '' || text.startsWith('#') || text.length > 8192) return null;
  let url: URL;
  try {
    url = base === undefined ? new URL(text) : new URL(text, base);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  url.hash = '';
  return url.href;
}
