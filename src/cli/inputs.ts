import type { Crawler } from '../inputs/crawl.js';
import type { SourceSpec } from '../targets/read/sources.js';
import type { PreparedTarget } from '../types.js';
import type { CliIO } from './io.js';
import type { CliConfig } from './options.js';
import { escapeJsonControls } from '../controls.js';

/**
 * The sources of `--sitemap`, `--links` and `--crawl`, in that order (after the targets given as
 * arguments), and the crawler when there is one: the run hands it every result and lets it read
 * page bodies. The parsers are loaded only when an input needs them: markdown-it, htmlparser2 and
 * sax are most of the bundle, and a run of URLs should not pay their startup.
 */
export async function inputSources(
  config: CliConfig,
  signal: AbortSignal,
): Promise<{ specs: SourceSpec[]; crawler: Crawler | null }> {
  const { inputs } = config;
  const specs: SourceSpec[] = [];
  if (inputs.sitemaps.length > 0) {
    const { readSitemaps } = await import('../inputs/sitemap/read.js');
    const queue = readSitemaps(inputs.sitemaps, {
      // Set whenever a sitemap is a URL (options.ts); files need no engine.
      config: config.inputRun ?? config.run,
      // The run's headers (-H, -u) reach the site's sitemaps too; its method, body and
      // expectations are for the pages.
      defaults: config.defaults.headers === undefined ? {} : { headers: config.defaults.headers },
      signal,
    });
    specs.push({ kind: 'items', batches: queue.batches() });
  }
  if (inputs.links.length > 0) {
    const { readLinks } = await import('../inputs/links/files.js');
    specs.push({
      kind: 'items',
      batches: readLinks(inputs.links, {
        ...(inputs.linksGlob === undefined ? {} : { glob: inputs.linksGlob }),
        ...(inputs.base === undefined ? {} : { base: inputs.base }),
      }),
    });
  }
  let crawler: Crawler | null = null;
  if (inputs.crawl.length > 0) {
    const { Crawler } = await import('../inputs/crawl.js');
    crawler = new Crawler({
      start: inputs.crawl,
      depth: inputs.depth,
      origins: inputs.crawlOrigins,
      maxPages: inputs.maxPages,
      listOnly: inputs.list,
    });
    specs.push({ kind: 'items', batches: crawler.queue.batches() });
  }
  return { specs, crawler };
}

/**
 * `--list`: one JSON line per target the inputs make — url, method, and where it was found
 * (source, sources, from) — or, for an input that could not be read or a target that is not
 * valid, its input and error. Nothing is fetched (a sitemap given as a URL is still read).
 * Returns how many lines were errors.
 */
export async function listTargets(targets: AsyncIterable<PreparedTarget>, io: CliIO): Promise<number> {
  let errors = 0;
  for await (const t of targets) {
    const line: Record<string, unknown> =
      'invalid' in t
        ? { input: t.input, error: { code: t.code ?? 'invalid_target', message: t.invalid } }
        : { url: t.url, method: t.method };
    if ('invalid' in t) errors++;
    if (t.source !== undefined) line.source = t.source;
    if (t.sources !== undefined) line.sources = t.sources;
    if (t.from !== undefined) line.from = t.from;
    if (!io.stdout.write(`${escapeJsonControls(JSON.stringify(line))}\n`)) {
      await new Promise<void>((resolve) => io.stdout.once('drain', () => resolve()));
    }
  }
  return errors;
}
