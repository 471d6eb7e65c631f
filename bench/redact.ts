/**
 * Workload (r): the cost of redacting one result (src/report/redact.ts) per MB of its input, from
 * 1 MB to 16 MB — issue 22's goal: flat (linear), where the regex it replaced was quadratic in a
 * run of URL characters (a 200 KB body took 52 s; 400 KB never ended).
 *
 * Three inputs, each made of runs of `[A-Za-z0-9+.-]` (the old regex's worst case):
 * - body: a target object whose `body` is N MB of JSON (shown as its size and digest);
 * - cookie: a target object whose `Cookie` header value is N MB (masked as a whole value);
 * - url: a string target `http://user:pass@host/` + an N MB path (user info parsed, path kept).
 * Each is redacted in-process (no sockets), best of several runs after a warm-up. For scale, the
 * old regex is timed on the body input at 16–64 KB only (it would not finish on the rest).
 *
 *   npm run bench -- --only r        this workload only (updates just its section of RESULTS.md)
 *   npx tsx bench/redact.ts [--quick] the same, standalone; --quick prints and writes nothing
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRedactor } from '../src/report/redact.js';
import type { Result } from '../src/types.js';

const HEADING = '## Redaction (issue 22)';
const END = '<!-- bench:redact:end -->';
const MB = 1024 * 1024;
const SIZES_MB = [1, 2, 4, 8, 16];

function runOf(n: number): string {
  return 'ab-c.d+e0Z'.repeat(Math.ceil(n / 10)).slice(0, n);
}

function result(input: string): Result {
  return {
    index: 0,
    input,
    url: 'http://127.0.0.1:8080/x',
    method: 'POST',
    status: 200,
    ok: true,
    bytes: 2,
    timings: { dns: null, connect: 0.3, tls: null, firstByte: 1, total: 1.2 },
    reused: false,
    httpVersion: '1.1',
    error: null,
    failures: [],
    attempts: 1,
    redirects: [],
    finalUrl: 'http://127.0.0.1:8080/x',
    remoteAddress: '127.0.0.1',
    tls: null,
    decodedBytes: null,
    savedTo: null,
  };
}

const INPUTS: Record<string, (bytes: number) => string> = {
  body: (n) => JSON.stringify({ url: 'http://127.0.0.1:8080/x', body: JSON.stringify({ d: runOf(n - 8) }) }),
  cookie: (n) => JSON.stringify({ url: 'http://127.0.0.1:8080/x', headers: { Cookie: runOf(n) } }),
  url: (n) => `http://user:pass@127.0.0.1:8080/${runOf(n)}`,
};

/** Best of `runs` timings of `fn`, in ms, after one warm-up call. */
function best(fn: () => unknown, runs: number): number {
  fn();
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

/** The pre-issue-22 URL-password regex, kept here only to time it. */
const OLD_URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:"'<>]*):([^\s/?#@"'<>]*)@/gi;

export interface RedactRow {
  input: string;
  mb: number;
  ms: number;
}

export function measureRedaction(quick: boolean): { rows: RedactRow[]; old: { kb: number; ms: number }[] } {
  const redact = createRedactor({ secrets: ['not-in-the-text'] });
  const rows: RedactRow[] = [];
  for (const [name, make] of Object.entries(INPUTS)) {
    for (const mb of quick ? [1, 4] : SIZES_MB) {
      const r = result(make(mb * MB));
      rows.push({ input: name, mb, ms: best(() => redact(r), quick ? 2 : 5) });
    }
  }
  const old: { kb: number; ms: number }[] = [];
  for (const kb of quick ? [16] : [16, 32, 64]) {
    const text = INPUTS.body!(kb * 1024);
    old.push({ kb, ms: best(() => [...text.matchAll(OLD_URL_PASSWORD)], 1) });
  }
  return { rows, old };
}

export function renderRedaction(m: ReturnType<typeof measureRedaction>): string {
  const lines = [
    HEADING,
    '',
    `Workload r of \`npm run bench\` (alone: \`npm run bench -- --only r\`), ${new Date().toISOString()}; in-process, best of 5 after a warm-up; load average at the end ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} on ${availableParallelism()} CPUs.`,
    "One result redacted (bench/redact.ts): its input is N MB of runs of URL characters, the old regex's worst case. Flat ms/MB means linear.",
    '',
    '| input | 1 MB | 2 MB | 4 MB | 8 MB | 16 MB | ms/MB (1 → 16 MB) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const name of Object.keys(INPUTS)) {
    const rows = m.rows.filter((r) => r.input === name);
    const cells = SIZES_MB.map((mb) => {
      const row = rows.find((r) => r.mb === mb);
      return row === undefined ? '–' : `${row.ms.toFixed(1)} ms`;
    });
    const perMb = rows.map((r) => (r.ms / r.mb).toFixed(2)).join(', ');
    lines.push(`| ${name} | ${cells.join(' | ')} | ${perMb} |`);
  }
  lines.push(
    '',
    `A quadratic cost would multiply ms/MB by 16 from 1 MB to 16 MB; the smaller rise at 8–16 MB varies from run to run (the machine is shared; 16 MB strings are allocated and collected). The regex it replaced, on the body input: ${m.old.map((o) => `${o.kb} KB ${o.ms.toFixed(0)} ms`).join(', ')} (×4 per doubling: quadratic).`,
    END,
  );
  return `${lines.join('\n')}\n`;
}

/** Replaces this workload's section of `file` (or appends it), leaving the rest as it is. */
export function writeRedactionSection(file: string, section: string): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const start = text.indexOf(HEADING);
  const end = start === -1 ? -1 : text.indexOf(END, start);
  const next =
    start !== -1 && end !== -1
      ? text.slice(0, start) + section.trimEnd() + text.slice(end + END.length)
      : `${text.trimEnd()}\n\n${section}`;
  writeFileSync(file, next.endsWith('\n') ? next : `${next}\n`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const quick = process.argv.includes('--quick');
  const section = renderRedaction(measureRedaction(quick));
  process.stdout.write(section);
  if (!quick) writeRedactionSection(join(fileURLToPath(new URL('.', import.meta.url)), 'RESULTS.md'), section);
}
