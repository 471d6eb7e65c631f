import { open } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import type { RunConfig } from '../../config/run-config.js';
import { errnoWords } from '../../errno.js';
import type { TargetDefaults } from '../../targets/normalize.js';
import { fetchBody, fetchProblem } from '../fetch-body.js';
import { ItemQueue } from '../queue.js';
import { SitemapBody } from './body.js';

/** How sitemaps given over http(s) are fetched: the run's engine settings for inputs. */
export interface SitemapFetching {
  config: RunConfig;
  defaults: TargetDefaults;
  signal?: AbortSignal;
}

/** Whether `src` (a URL or a path) names a robots.txt, whose `Sitemap:` lines are read instead. */
function isRobots(src: string): boolean {
  const path = isUrl(src) ? new URL(src).pathname : src;
  return /(?:^|[/\\])robots\.txt$/i.test(path);
}

function isUrl(src: string): boolean {
  return /^https?:\/\//i.test(src);
}

/**
 * `--sitemap SRC…`: the pages of every sitemap, as targets, in the order listed. A sitemap index
 * is followed into each of its sitemaps, one after the other (each sitemap read once, so an index
 * that lists itself ends); a robots.txt into its `Sitemap:` lines. Pages are queued as each
 * `<loc>` is read, so the first request starts long before a 50,000-URL sitemap has arrived.
 * A file is read only while the queue has room; the next sitemap is opened only then, too.
 *
 * A sitemap that cannot be fetched, read or parsed becomes one `input` item naming it and why;
 * the pages it listed before that still run. Each page's origin is `from` the sitemap that listed
 * it (and, for a sitemap file, `source`: the file and the line of its `<loc>`).
 */
export function readSitemaps(sources: readonly string[], fetching: SitemapFetching): ItemQueue {
  const stop = new AbortController();
  const queue = new ItemQueue(10_000, () => stop.abort());
  const signal = fetching.signal === undefined ? stop.signal : AbortSignal.any([stop.signal, fetching.signal]);
  const work = sources.map((src) => ({ src, from: undefined as string | undefined }));
  const seen = new Set<string>(sources);

  const readOne = async (src: string, from: string | undefined): Promise<void> => {
    const fromFile = !isUrl(src);
    const body = new SitemapBody(
      {
        page(listed, line) {
          // The protocol wants absolute URLs; a relative one is taken relative to its sitemap.
          const url = fromFile ? listed : (nested(src, listed) ?? listed);
          queue.push({ input: url, origin: fromFile ? { source: { file: src, line } } : { from: src } });
        },
        sitemap(listed) {
          const url = nested(src, listed);
          if (url === null || seen.has(url)) return;
          seen.add(url);
          work.push({ src: url, from: src });
        },
      },
      isRobots(src),
    );
    let problem: string | null = null;
    if (fromFile) problem = await readFile(src, body, queue);
    else {
      const result = await fetchBody(src, fetching.config, fetching.defaults, body, signal);
      problem = fetchProblem(result);
      // Not a 2xx: the body was never handed over, so nothing else ends it.
      if (problem !== null) body.abort();
      await body.done;
    }
    problem ??= body.error;
    if (problem !== null && !queue.closed) {
      queue.push({
        raw: src,
        invalid: `cannot read sitemap ${src}: ${problem}`,
        code: 'input',
        ...(from === undefined ? {} : { origin: { from } }),
      });
    }
  };

  void (async () => {
    try {
      while (work.length > 0 && !queue.closed && !signal.aborted) {
        const next = work.shift()!;
        await queue.room();
        await readOne(next.src, next.from);
      }
    } finally {
      queue.end();
    }
  })();
  return queue;
}

/**
 * A sitemap listed by `parent`: relative to the parent's URL, or — in a sitemap file — to its
 * directory (an index kept next to its sitemaps); null when it cannot be a URL.
 */
function nested(parent: string, listed: string): string | null {
  if (isUrl(parent)) {
    try {
      return new URL(listed, parent).href;
    } catch {
      return null;
    }
  }
  if (isUrl(listed) || isAbsolute(listed)) return listed;
  return join(dirname(parent), listed);
}

/** Streams a sitemap file into `body`, reading on only while the queue has room. */
async function readFile(path: string, body: SitemapBody, queue: ItemQueue): Promise<string | null> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    return errnoWords(err);
  }
  try {
    for await (const chunk of handle.createReadStream({ highWaterMark: 64 * 1024, autoClose: false })) {
      body.push(chunk as Buffer);
      if (!body.reading) break;
      await queue.room();
      if (queue.closed) return null;
    }
  } catch (err) {
    body.abort();
    return errnoWords(err);
  } finally {
    await handle.close().catch(() => {});
  }
  body.end();
  await body.done;
  return null;
}
