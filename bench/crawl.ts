/**
 * Crawl benchmark (issue 21): fetch-many `--crawl` beside linkinator `--recurse` on a generated
 * site on loopback — 5,000 HTML pages in a tree 3 links deep (each page also linking to the root,
 * its parent, a stylesheet and an image) with 50 broken links. Both at concurrency 100, both
 * spawned whole (startup included) under GNU time; runs interleaved, medians reported. Each run is
 * checked: the broken links found are counted, and the requests the server saw.
 *
 *   npx tsx bench/crawl.ts             3 runs each; print, and replace the section in bench/RESULTS.md
 *   npx tsx bench/crawl.ts --runs 1    one run each, nothing written
 *
 * linkinator is a dev dependency (6.x: 7 and later need Node 22).
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startCrawlSite, treeDepth } from '../test/helpers/site-server.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const PAGES = 5_000;
const FANOUT = 17;
const BROKEN = 50;
const CONCURRENCY = 100;
const SECTION_HEADING = '## Crawl (issue 21): fetch-many --crawl beside linkinator --recurse';
const SECTION_END = '<!-- end crawl -->';

interface Sample {
  tool: string;
  wallMs: number;
  maxRssKiB: number;
  broken: number;
  requests: number;
}

/** Runs `argv` under GNU time; resolves with its stdout, wall time and peak RSS. */
function timed(argv: string[]): Promise<{ stdout: string; wallMs: number; maxRssKiB: number }> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-f', 'TIME %M', ...argv], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-4096);
    });
    child.once('error', reject);
    child.once('close', () => {
      const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
      const m = /TIME (\d+)/.exec(stderr);
      resolve({ stdout, wallMs, maxRssKiB: m === null ? -1 : Number(m[1]) });
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
  const runs = Number(values.runs);
  const broken = new Map<number, number[]>();
  for (let k = 0; k < BROKEN; k++) {
    const page = (k * 37) % 300;
    broken.set(page, [...(broken.get(page) ?? []), k]);
  }
  if (treeDepth(PAGES - 1, FANOUT) !== 3) throw new Error('the generated tree is not 3 deep');
  const site = await startCrawlSite({ pages: PAGES, fanout: FANOUT, broken });
  // From the index above the tree (linkinator recurses only below its start URL): the pages are
  // then 1 to 4 links away, hence --depth 4.
  const start = `${site.origin}/`;
  const load = [
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  ];
  const tools: Record<string, { argv: string[]; broken: (stdout: string) => number }> = {
    'fetch-many': {
      argv: [
        process.execPath,
        'bin/fetch-many.js',
        '--crawl',
        start,
        '--depth',
        '4',
        '-c',
        String(CONCURRENCY),
        '--ndjson',
        '--no-progress',
      ],
      broken: (out) =>
        out
          .trim()
          .split('\n')
          .filter((l) => l !== '' && (JSON.parse(l) as { ok: boolean }).ok === false).length,
    },
    linkinator: {
      argv: [
        process.execPath,
        'node_modules/linkinator/build/src/cli.js',
        start,
        '--recurse',
        '--concurrency',
        String(CONCURRENCY),
        '--format',
        'json',
      ],
      broken: (out) =>
        (JSON.parse(out) as { links: Array<{ state: string }> }).links.filter((l) => l.state === 'BROKEN').length,
    },
  };
  const samples: Sample[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      for (const [tool, spec] of Object.entries(tools)) {
        const before = [...site.hits.values()].reduce((a, b) => a + b, 0);
        const result = await timed(spec.argv);
        const requests = [...site.hits.values()].reduce((a, b) => a + b, 0) - before;
        const sample = {
          tool,
          wallMs: result.wallMs,
          maxRssKiB: result.maxRssKiB,
          broken: spec.broken(result.stdout),
          requests,
        };
        samples.push(sample);
        process.stdout.write(`${JSON.stringify(sample)}\n`);
      }
    }
  } finally {
    await site.close();
  }
  load.push(
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  );
  const section = render(samples, load);
  process.stdout.write(`\n${section}\n`);
  if (runs >= 3) writeSection(join(ROOT, 'bench', 'RESULTS.md'), section);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function render(samples: Sample[], load: string[]): string {
  const rows = ['fetch-many', 'linkinator'].map((tool) => {
    const mine = samples.filter((s) => s.tool === tool);
    return {
      tool,
      wall: median(mine.map((s) => s.wallMs)),
      rss: median(mine.map((s) => s.maxRssKiB)),
      broken: [...new Set(mine.map((s) => s.broken))].join(' / '),
      requests: [...new Set(mine.map((s) => s.requests))].join(' / '),
      runs: mine.map((s) => (s.wallMs / 1000).toFixed(2)).join(', '),
    };
  });
  const [fm, li] = rows as [(typeof rows)[0], (typeof rows)[0]];
  const ratio = fm.wall / li.wall;
  return [
    SECTION_HEADING,
    '',
    `Workload crawl of \`npm run bench\` (alone: \`npx tsx bench/crawl.ts\`), ${new Date().toISOString()}: ${cpus().length} CPUs, Node ${process.version}, load average (1/5/15 min) ${load.join(' → ')}.`,
    `A generated site on 127.0.0.1: ${PAGES.toLocaleString('en')} HTML pages in a tree ${FANOUT} wide and 3 deep, each also linking to the root, its parent,`,
    `a stylesheet and an image; ${BROKEN} broken links on pages up to depth 2. Both tools crawl from an index page above the root (so pages are 1–4 links away) at concurrency ${CONCURRENCY},`,
    'spawned whole under GNU time, runs interleaved; wall and peak RSS are medians. "requests" is what the server counted per run.',
    '',
    '| tool | command | wall (median) | runs (s) | peak RSS | broken links found | requests |',
    '| --- | --- | ---: | --- | ---: | ---: | ---: |',
    `| fetch-many | \`fetch-many --crawl URL --depth 4 -c ${CONCURRENCY} --ndjson\` | ${(fm.wall / 1000).toFixed(2)} s | ${fm.runs} | ${(fm.rss / 1024).toFixed(0)} MiB | ${fm.broken} | ${fm.requests} |`,
    `| linkinator 6.3 | \`linkinator URL --recurse --concurrency ${CONCURRENCY} --format json\` | ${(li.wall / 1000).toFixed(2)} s | ${li.runs} | ${(li.rss / 1024).toFixed(0)} MiB | ${li.broken} | ${li.requests} |`,
    '',
    `fetch-many's wall is ${ratio.toFixed(2)} × linkinator's (goal ≤ 0.5: ${ratio <= 0.5 ? 'met' : 'not met'}).`,
    SECTION_END,
    '',
  ].join('\n');
}

/** Replaces this section of `file` (or appends it). */
function writeSection(file: string, section: string): void {
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(SECTION_HEADING);
  const end = start === -1 ? -1 : text.indexOf(SECTION_END, start);
  const next =
    start !== -1 && end !== -1
      ? text.slice(0, start) + section.trimEnd() + text.slice(end + SECTION_END.length)
      : `${text.trimEnd()}\n\n${section}`;
  writeFileSync(file, next);
}

await main();
