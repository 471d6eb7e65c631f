import { statSync } from 'node:fs';
import { OptionError } from '../errors.js';
import { escapeControls } from '../controls.js';
import { quote } from '../describe.js';
import type { RawOptions } from './program.js';

/** `--sitemap`, `--links`, `--crawl` and their companions, checked. */
export interface InputFlags {
  sitemaps: string[];
  links: string[];
  linksGlob?: string;
  base?: string;
  crawl: string[];
  depth: number;
  crawlOrigins: string[];
  maxPages: number;
  /** `--list`: print the targets, fetch nothing. */
  list: boolean;
}

const list = (raw: RawOptions, name: string): string[] => {
  const v = raw[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
};

function httpUrl(flag: string, value: string): string {
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    // said below
  }
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new OptionError(flag, `${flag} ${quote(value)}: give an absolute http:// or https:// URL`);
  }
  return url.href;
}

function count(flag: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const text = String(value).trim();
  const n = /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= min)) throw new OptionError(flag, `${flag} must be a whole number ≥ ${min}, got ${quote(String(value))}`);
  return n;
}

/** Files and directories given to `--links` must exist now: a typo is a usage error, not an empty run. */
function existing(flag: string, path: string): string {
  try {
    statSync(path);
  } catch {
    throw new OptionError(flag, `${flag}: no such file or directory: ${escapeControls(path)}`);
  }
  return path;
}

/**
 * Reads the input flags. `--sitemap` takes a URL or a file (which must exist); `--crawl`,
 * `--base` and `--crawl-origin` absolute http(s) URLs.
 * @throws OptionError
 */
export function inputFlags(raw: RawOptions): InputFlags {
  const sitemaps = list(raw, 'sitemap').map((src) =>
    /^https?:\/\//i.test(src) ? httpUrl('--sitemap', src) : existing('--sitemap', src),
  );
  const links = list(raw, 'links').map((path) => existing('--links', path));
  const crawl = list(raw, 'crawl').map((url) => httpUrl('--crawl', url));
  const flags: InputFlags = {
    sitemaps,
    links,
    crawl,
    depth: count('--depth', raw.depth, 3, 0),
    crawlOrigins: list(raw, 'crawlOrigin').map((url) => new URL(httpUrl('--crawl-origin', url)).origin),
    maxPages: count('--max-pages', raw.maxPages, 10_000, 1),
    list: raw.list === true,
  };
  const glob = raw.linksGlob;
  if (typeof glob === 'string') {
    if (glob.trim() === '') throw new OptionError('--links-glob', '--links-glob needs a pattern, e.g. "*.md"');
    flags.linksGlob = glob;
  }
  if (typeof raw.base === 'string') flags.base = httpUrl('--base', raw.base);
  const needs = (flag: string, given: unknown, on: string, present: boolean): void => {
    if (given !== undefined && !present) throw new OptionError(flag, `${flag} goes with ${on}`);
  };
  needs('--links-glob', raw.linksGlob, '--links', links.length > 0);
  needs('--base', raw.base, '--links', links.length > 0);
  needs('--depth', raw.depth, '--crawl', crawl.length > 0);
  needs('--crawl-origin', raw.crawlOrigin, '--crawl', crawl.length > 0);
  needs('--max-pages', raw.maxPages, '--crawl', crawl.length > 0);
  return flags;
}

/** Whether any input flag gave targets (then stdin is not read unless `-` is given). */
export function hasInputs(flags: InputFlags): boolean {
  return flags.sitemaps.length > 0 || flags.links.length > 0 || flags.crawl.length > 0;
}
