import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { errnoWords } from '../../errno.js';
import { LineSplitter } from '../../targets/read/lines.js';
import type { SourceItem } from '../../targets/read/source-item.js';
import type { SourceLocation } from '../../types.js';
import { globMatcher } from './glob.js';
import { HtmlLinks } from './html.js';
import { markdownLinks } from './markdown.js';
import { textLinks } from './text.js';

export interface LinkOptions {
  /** Which files of a directory are read (files named directly always are). @default DEFAULT_LINKS_GLOB */
  glob?: string;
  /** Base URL of relative links; without it they are skipped. */
  base?: string;
}

/** Files of a directory read by default: Markdown, HTML and plain text. */
export const DEFAULT_LINKS_GLOB = '*.{md,markdown,mdx,html,htm,txt}';
/** Markdown is parsed whole (markdown-it is not incremental): larger files are refused, one `input` result. */
export const MAX_MARKDOWN_BYTES = 8 * 1024 * 1024;
/** Different URLs kept from one run's files: each costs its text and its places. */
export const MAX_LINKS = 1_000_000;
/** Places kept per URL: a link on every line of a generated file is reported with its first 1,000. */
export const MAX_PLACES = 1000;
/** Bytes looked at to tell a binary file (a NUL among them) from text. */
const SNIFF_BYTES = 8192;

type Kind = 'html' | 'markdown' | 'text';

function kindByName(path: string): Kind | null {
  const dot = path.lastIndexOf('.');
  const ext = dot === -1 ? '' : path.slice(dot + 1).toLowerCase();
  if (ext === 'md' || ext === 'markdown' || ext === 'mdx') return 'markdown';
  if (ext === 'html' || ext === 'htm' || ext === 'xhtml') return 'html';
  if (ext === 'txt') return 'text';
  return null;
}

/**
 * `--links PATH…`: every link in the files (directories walked, their files filtered by
 * `glob`), as targets. Each URL is one target however often it occurs; its `source` is the first
 * place it was found and `sources` every place (when more than one), so every place is reported
 * with its result. For that, all files are read before the first target is handed on — local
 * files, read as streams (Markdown is parsed whole, up to {@link MAX_MARKDOWN_BYTES}).
 *
 * A file that cannot be read — binary, too large, unreadable — is one `input` item naming it; the
 * other files still count.
 */
export async function* readLinks(paths: readonly string[], options: LinkOptions): AsyncGenerator<SourceItem[]> {
  const found = new Map<string, SourceLocation[]>();
  const problems: SourceItem[] = [];
  let full = false;
  const add = (file: string) => (url: string, line: number) => {
    const places = found.get(url);
    if (places !== undefined) {
      if (places.length < MAX_PLACES) places.push({ file, line });
    } else if (found.size < MAX_LINKS) found.set(url, [{ file, line }]);
    else full = true;
  };
  const match = globMatcher(options.glob ?? DEFAULT_LINKS_GLOB);
  for (const path of paths) {
    for await (const file of walk(path, match)) {
      const problem = await readOne(file, options.base, add(file));
      if (problem !== null)
        problems.push({ raw: file, invalid: `cannot read links from ${file}: ${problem}`, code: 'input' });
    }
  }
  if (full)
    problems.push({
      raw: paths.join(' '),
      invalid: `over ${MAX_LINKS} different links: the rest were not read`,
      code: 'input',
    });
  const items: SourceItem[] = [];
  for (const [url, places] of found) {
    items.push({
      input: url,
      origin: places.length === 1 ? { source: places[0]! } : { source: places[0]!, sources: places },
    });
  }
  found.clear();
  yield [...items, ...problems];
}

/** The files under `path` (itself when it is a file), sorted, those of directories filtered by `match`. */
async function* walk(path: string, match: (relative: string) => boolean): AsyncGenerator<string> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch {
    yield path; // readOne says why it cannot be read
    return;
  }
  if (!info.isDirectory()) {
    yield path;
    return;
  }
  const entries = await readdir(path, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
    .filter((file) => match(relative(path, file)))
    .sort();
  yield* files;
}

/** Reads one file's links into `onLink`; the reason it could not, or null. */
async function readOne(
  file: string,
  base: string | undefined,
  onLink: (url: string, line: number) => void,
): Promise<string | null> {
  let head: Buffer;
  let size: number;
  try {
    const handle = await open(file, 'r');
    try {
      size = (await handle.stat()).size;
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(SNIFF_BYTES), 0, SNIFF_BYTES, 0);
      head = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (err) {
    return errnoWords(err);
  }
  if (head.includes(0)) return 'a binary file (it holds NUL bytes), not HTML, Markdown or text';
  const kind = kindByName(file) ?? (head.toString('utf8').trimStart().startsWith('<') ? 'html' : 'text');
  try {
    if (kind === 'markdown') {
      if (size > MAX_MARKDOWN_BYTES)
        return `over ${MAX_MARKDOWN_BYTES / 1024 / 1024} MiB of Markdown (the limit of what is parsed whole)`;
      const chunks: Buffer[] = [];
      for await (const chunk of createReadStream(file)) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.includes('\u0000')) return 'a binary file (it holds NUL bytes), not Markdown';
      const problem = markdownLinks(text, base, onLink);
      if (problem !== null) return problem;
    } else if (kind === 'html') {
      const links = new HtmlLinks(onLink, base);
      const decoder = new TextDecoder('utf-8');
      for await (const chunk of createReadStream(file, { highWaterMark: 64 * 1024 })) {
        links.write(decoder.decode(chunk as Buffer, { stream: true }));
        if (links.error !== null) break;
      }
      links.write(decoder.decode());
      links.end();
      if (links.error !== null) return links.error;
    } else {
      const splitter = new LineSplitter({
        line: (text, lineNo) => textLinks(text, (url) => onLink(url, lineNo)),
        overlong() {},
      });
      for await (const chunk of createReadStream(file, { highWaterMark: 64 * 1024 })) splitter.push(chunk as Buffer);
      splitter.end();
    }
  } catch (err) {
    return errnoWords(err);
  }
  return null;
}
