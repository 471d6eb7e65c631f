/**
 * `npm run bench` — fetch-many against curl, undici, Node's fetch and wrk on a local nginx.
 *
 *   npm run bench                   full suite, 3 interleaved runs, writes bench/RESULTS.md
 *   npm run bench -- --quick        small N, 1 run, writes bench/.work/RESULTS-quick.md
 *   npm run bench -- --only a,d     selected workloads (a b c d e f g p, bodies, h, m, https, i24, crawl);
 *                                   the main table goes to bench/.work/RESULTS-only.md unless every
 *                                   one of a–g and p ran, the sections to bench/RESULTS.md
 *                                   (https: issue 10, bench/https.ts: TLS nginx, h1 and h2 vs curl)
 *                                   (h: many hosts, bench/many-hosts.ts: needs root and unshare)
 *                                   (m: merge of 1M results, bench/merge.ts)
 *                                   (r: redaction cost per MB, 1–16 MB, bench/redact.ts)
 *                                   (i24: file uploads and a dead origin, bench/issue24.ts)
 *                                   (crawl: issue 21, bench/crawl.ts: --crawl beside linkinator)
 *   npm run bench -- --runs 5       more runs per program
 *
 * Only 127.0.0.1 is ever contacted; every child is stopped by pid at the end or on Ctrl-C.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { recordSection, runBodies } from './bodies.js';
import { installCleanup } from './children.js';
import { recordIssue24, runIssue24 } from './issue24.js';
import { evaluateGoals, type SuiteResults } from './goals.js';
import { evaluateIssue13 } from './goals-13.js';
import { evaluateIssue24, floorNotes } from './goals-24.js';
import { type HttpsSummary, newRunId, readHttpsSummary, recordHttpsSection } from './https-summary.js';
import { measureInterleaved, summarize, type Sample, type CommandSpec } from './measure.js';
import { startNeverAnswer, type NeverAnswer } from './never-answer.js';
import { startNginx, type Nginx } from './nginx.js';
import { renderMarkdown, renderTerminal, type WorkloadResult } from './report.js';
import { runMergeBench } from './merge.js';
import { measureRedaction, renderRedaction, writeRedactionSection } from './redact.js';
import { measureStartup, type StartupResult } from './startup.js';
import { renderManyHosts, runManyHosts, writeSection } from './many-hosts.js';
import { describeMachine, ensureTools } from './tools.js';
import { allWorkloads, type WorkloadEnv } from './workloads.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const WORK = 'bench/.work';
const GROUPS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'p', 'bodies', 'h', 'm', 'r', 'https', 'i24', 'crawl'];
/** Workloads that only replace their own section of the results file. */
const SECTION_ONLY = ['bodies', 'h', 'm', 'r', 'https', 'i24', 'crawl'];

function options(): { quick: boolean; only: string[]; runs: number; argv: string[] } {
  const argv = process.argv.slice(2);
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      runs: { type: 'string' },
    },
    strict: true,
  });
  const only = values.only === undefined ? GROUPS : values.only.split(',').map((s) => s.trim().toLowerCase());
  const unknown = only.filter((g) => !GROUPS.includes(g));
  if (unknown.length > 0)
    throw new Error(`--only: unknown workload(s) ${unknown.join(',')}; choose from ${GROUPS.join(',')}`);
  const runs = values.runs === undefined ? (values.quick ? 1 : 3) : Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 20) throw new Error('--runs: an integer from 1 to 20');
  return { quick: values.quick, only, runs, argv };
}

function fetchManyBuilt(): boolean {
  if (!existsSync(join(ROOT, 'bin/fetch-many.js')) || !existsSync(join(ROOT, 'dist'))) return false;
  const result = spawnSync('node', ['bin/fetch-many.js', '--version'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 10_000,
  });
  return result.status === 0;
}

function progressLine(id: string, spec: CommandSpec, sample: Sample, run: number, runs: number): string {
  const rss = (sample.maxRssKiB / 1024).toFixed(1);
  const state = sample.check.ok ? 'ok' : 'FAILED';
  const note = sample.check.note === undefined ? '' : ` (${sample.check.note})`;
  const tail = sample.check.ok ? '' : `\n    stderr: ${sample.stderrTail.trim().split('\n').slice(-3).join(' | ')}`;
  return `  ${id.padEnd(6)} ${spec.peer.padEnd(20)} run ${run + 1}/${runs}  wall ${sample.wallMs.toFixed(0).padStart(6)} ms  cpu ${sample.cpuMs.toFixed(0).padStart(6)} ms  rss ${rss.padStart(6)} MiB  ${state}${note}${tail}\n`;
}

async function main(): Promise<void> {
  installCleanup();
  const opts = options();
  mkdirSync(join(ROOT, WORK), { recursive: true });
  if (opts.only.length === 1 && opts.only[0] === 'https') {
    if (!runHttps(opts)) process.exitCode = 1;
    return;
  }
  if (opts.only.length === 1 && opts.only[0] === 'r') {
    // Only workload r (in-process, no servers): its section of the results file is replaced.
    const out = opts.quick ? join(ROOT, WORK, 'RESULTS-quick.md') : join(ROOT, 'bench', 'RESULTS.md');
    const section = renderRedaction(measureRedaction(opts.quick));
    process.stdout.write(`\n${section}`);
    writeRedactionSection(out, section);
    process.stderr.write(`\nbench: wrote the redaction section of ${relative(ROOT, out)}\n`);
    return;
  }
  if (opts.only.length === 1 && opts.only[0] === 'h') {
    // Only workload h: its section of the results file is replaced, the rest is left as it is.
    const out = opts.quick ? join(ROOT, WORK, 'RESULTS-quick.md') : join(ROOT, 'bench', 'RESULTS.md');
    const section = renderManyHosts(await runManyHosts({ work: WORK, quick: opts.quick }));
    process.stdout.write(`\n${section}`);
    writeSection(out, section);
    process.stderr.write(`\nbench: wrote the many-hosts section of ${relative(ROOT, out)}\n`);
    return;
  }
  const tools = ensureTools();
  const machine = describeMachine(tools, ROOT);
  const haveFetchMany = fetchManyBuilt();
  if (!haveFetchMany) {
    process.stderr.write(
      'bench: fetch-many is not built (node bin/fetch-many.js --version failed); measuring the peers only\n',
    );
  }

  const workloads = allWorkloads(opts.quick).filter((w) => opts.only.includes(w.group));
  let nginx: Nginx | null = null;
  let neverAnswer: NeverAnswer | null = null;
  const results: WorkloadResult[] = [];
  let startup: StartupResult | null = null;
  try {
    if (workloads.some((w) => w.needs === 'nginx')) {
      nginx = await startNginx(tools.nginx, join(ROOT, WORK));
      process.stderr.write(`bench: nginx pid ${nginx.pid}, config ${relative(ROOT, nginx.configPath)}\n`);
    }
    if (workloads.some((w) => w.needs === 'never-answer')) {
      neverAnswer = await startNeverAnswer();
      process.stderr.write(`bench: never-answer server at ${neverAnswer.origin}\n`);
    }
    const env: WorkloadEnv = {
      root: ROOT,
      work: WORK,
      tools,
      quick: opts.quick,
      haveFetchMany,
      origins: nginx?.origins ?? [],
      neverAnswer: neverAnswer?.origin ?? null,
    };
    for (const workload of workloads) {
      if (workload.group === 'f') {
        if (!haveFetchMany) continue;
        process.stderr.write(`\n${workload.title}\n`);
        startup = await measureStartup(tools, ROOT, WORK, opts.quick ? 5 : 20);
        continue;
      }
      const specs = await workload.prepare(env);
      if (specs.length === 0) continue;
      process.stderr.write(`\n${workload.title}\n`);
      const measureEnv = {
        timeBin: tools.time,
        cwd: ROOT,
        workDir: join(ROOT, WORK),
        statusUrl: workload.needs === 'nginx' && nginx !== null ? nginx.statusUrl : null,
      };
      const samples = await measureInterleaved(specs, opts.runs, measureEnv, (spec, sample, run) =>
        process.stderr.write(progressLine(workload.id, spec, sample, run, opts.runs)),
      );
      results.push({ workload, specs, summaries: specs.map((spec, i) => summarize(spec, samples[i] ?? [])) });
    }
  } finally {
    await neverAnswer?.stop();
    await nginx?.stop();
  }
  // Issue 14's workload (bench/bodies.ts): its own server, its own section of the results.
  let bodiesSection: string | null = null;
  if (opts.only.includes('bodies') && haveFetchMany) {
    process.stderr.write('\n(bodies) saving bodies with --output-dir: one large body, many small ones\n');
    bodiesSection = await runBodies({
      root: ROOT,
      work: WORK,
      timeBin: tools.time,
      quick: opts.quick,
      runs: opts.runs,
      log: (line) => process.stderr.write(line),
    });
  }

  // Issue 24's workload (bench/issue24.ts): its own servers, its own section of the results.
  let issue24Section: string | null = null;
  if (opts.only.includes('i24') && haveFetchMany) {
    process.stderr.write('\n(i24) request bodies from files; a dead origin listed first\n');
    issue24Section = await runIssue24({
      root: ROOT,
      work: WORK,
      timeBin: tools.time,
      quick: opts.quick,
      runs: opts.runs,
      log: (line) => process.stderr.write(line),
    });
  }

  // Issue 10's HTTPS workloads (bench/https.ts): a child of its own, whose medians reach the issue 24
  // goals only through a summary carrying this run's id; its section is recorded below.
  let https: HttpsSummary | null = null;
  if (opts.only.includes('https')) {
    const runId = newRunId();
    if (runHttps(opts, runId)) https = readHttpsSummary(join(ROOT, WORK, 'https', 'summary.json'), runId);
    if (https === null) process.stderr.write('bench: bench/https.ts left no summary of this run\n');
  }

  const suite: SuiteResults = {
    summaries: new Map(results.map((r) => [r.workload.id, r.summaries])),
    shape: new Map(
      results.map((r) => [r.workload.id, { requests: r.workload.requests, concurrency: r.workload.concurrency }]),
    ),
    startup,
    origins: nginx?.origins.length ?? 10,
  };
  const servers = [nginx?.command, neverAnswer?.command]
    .filter((c): c is string[] => c !== undefined)
    .map((c) => c.map((arg) => (arg.startsWith(ROOT) ? relative(ROOT, arg) : arg)).join(' '));
  const loadAtEnd = loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
  const report = {
    machine,
    argv: opts.argv,
    runs: opts.runs,
    quick: opts.quick,
    loadAtEnd,
    haveFetchMany,
    servers,
    results,
    startup,
    goals: evaluateGoals(suite),
    issue13: evaluateIssue13(suite),
    issue24: evaluateIssue24(suite, https),
    issue24Floor: floorNotes(suite, https),
  };
  const out = opts.quick ? join(ROOT, WORK, 'RESULTS-quick.md') : join(ROOT, 'bench', 'RESULTS.md');
  const partial = GROUPS.some((g) => !SECTION_ONLY.includes(g) && !opts.only.includes(g));
  // `--only bodies` (or h, or m) updates its own section and leaves the rest of the file as it was.
  if (!opts.only.every((g) => SECTION_ONLY.includes(g))) {
    process.stdout.write(`\n${renderTerminal(report)}`);
    // The main table and its goal tables are written whole, so only a run of every workload writes
    // them to the results file: a partial one (`--only a,b`) would drop the other workloads' rows and
    // the section-only groups' sections, and splicing rows of two runs would mix their loads.
    const tableOut = partial && !opts.quick ? join(ROOT, WORK, 'RESULTS-only.md') : out;
    writeFileSync(tableOut, renderMarkdown(report));
    if (tableOut !== out) process.stderr.write(`\nbench: partial run, wrote ${relative(ROOT, tableOut)}\n`);
  }
  if (bodiesSection !== null) {
    process.stdout.write(`\n${bodiesSection}`);
    writeFileSync(out, recordSection(existsSync(out) ? readFileSync(out, 'utf8') : '', bodiesSection));
  }
  if (issue24Section !== null) {
    process.stdout.write(`\n${issue24Section}`);
    writeFileSync(out, recordIssue24(existsSync(out) ? readFileSync(out, 'utf8') : '', issue24Section));
  }
  if (opts.only.includes('h') && haveFetchMany) {
    // Workload h (bench/many-hosts.ts) runs in network + mount namespaces of its own, with its own
    // DNS and HTTP servers, and replaces its own section of the results.
    process.stderr.write('\nh: many hosts (issue 15), in a private network namespace\n');
    writeSection(out, renderManyHosts(await runManyHosts({ work: WORK, quick: opts.quick })));
  }
  if (!partial || opts.quick || opts.only.some((g) => SECTION_ONLY.includes(g))) {
    process.stderr.write(`\nbench: wrote ${relative(ROOT, out)}\n`);
  }
  if (opts.only.includes('m') && haveFetchMany) {
    await runMergeBench({ root: ROOT, work: WORK, timeBin: tools.time, quick: opts.quick, out });
  }
  if (opts.only.includes('r')) {
    process.stderr.write('\nr: redaction cost per MB (issue 22)\n');
    writeRedactionSection(out, renderRedaction(measureRedaction(opts.quick)));
  }
  // After the whole-file write above, like the other section-only groups, which would drop it.
  if (https !== null) {
    const section = readFileSync(join(ROOT, WORK, 'https', 'section.md'), 'utf8');
    writeFileSync(out, recordHttpsSection(existsSync(out) ? readFileSync(out, 'utf8') : '', section));
  }
  // Issue 21's crawl (bench/crawl.ts), a child of its own: with 3 runs or more it replaces its own
  // section of bench/RESULTS.md (after the whole-file write, which would drop it); fewer only print.
  if (opts.only.includes('crawl')) {
    process.stderr.write('\ncrawl: fetch-many --crawl beside linkinator --recurse (issue 21)\n');
    const runs = opts.quick ? 1 : opts.runs;
    const done = spawnSync('npx', ['tsx', 'bench/crawl.ts', '--runs', String(runs)], { cwd: ROOT, stdio: 'inherit' });
    if (done.status !== 0) {
      process.stderr.write(`bench: bench/crawl.ts failed (exit ${String(done.status)})\n`);
      process.exitCode = 1;
    }
  }
}

/**
 * Issue 10's HTTPS / HTTP/2 workloads (bench/https.ts): their own TLS nginx. Alone (`--only https`,
 * no run id) https.ts replaces its own section of bench/RESULTS.md; with a run id it writes its
 * summary and section to bench/.work/https/ for this run to take. False when it failed.
 */
function runHttps(opts: { quick: boolean; runs: number }, runId?: string): boolean {
  const args = ['tsx', 'bench/https.ts', '--runs', String(opts.runs), ...(opts.quick ? ['--quick'] : [])];
  if (runId !== undefined) args.push('--run-id', runId);
  const done = spawnSync('npx', args, { cwd: ROOT, stdio: 'inherit' });
  if (done.status !== 0) process.stderr.write(`bench: bench/https.ts failed (exit ${String(done.status)})\n`);
  return done.status === 0;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
