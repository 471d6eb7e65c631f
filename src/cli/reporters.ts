import {
  DEFAULT_REDACTED_HEADERS,
  DEFAULT_WIDTH,
  Output,
  SummaryCollector,
  combineReporters,
  createGitHubReporter,
  createJUnitReporter,
  createProgress,
  createRedactor,
  createSummaryReporter,
  createTableReporter,
  createVerboseReporter,
  maskSecrets,
  type Redactor,
  type Reporter,
  type SecretValues,
  type Summary,
  withSecretValues,
} from '../report/index.js';
import type { Baseline } from '../history/baseline.js';
import type { RunState } from '../history/state.js';
import type { ResultCache } from '../history/cache.js';
import { createOpenMetricsReporter } from '../report/openmetrics.js';
import type { Result } from '../types.js';
import type { CliConfig } from './options.js';
import type { CliIO } from './io.js';
import { stdoutFormat } from './formats.js';

/** Everything the run writes, behind one face: the engine's results go in, files and streams come out. */
export interface RunReport {
  result(r: Result): void;
  /** Targets known so far; `final` (the default) once the input was read to its end. */
  setTotal(n: number, final?: boolean): void;
  /** True once stdout's reader went away (`| head`): nothing more can be shown. */
  readonly stdoutClosed: boolean;
  end(wallMs: number): Promise<Summary>;
  /**
   * Null while the outputs keep up; a promise while any of them is over its high-water mark (a
   * slow reader): the run takes no new target until it resolves, so memory stays bounded.
   */
  ready(): Promise<void> | null;
  /** Stop drawing progress and write nothing (the run turned out to be a usage error). */
  abandon(): Promise<void>;
  /**
   * With a baseline: reports its targets that no result had (`change: "gone"`), after every
   * result and before `end`. Stops early when `signal` aborts.
   */
  listGone(signal?: AbortSignal): Promise<void>;
}

/** What the reports compare results with (earlier runs: --baseline, --state, --cache). */
export interface ReportHistory {
  /** `--baseline` / `diff OLD`: each result gets its `change`, and `gone` targets are listed. */
  baseline?: Baseline;
  /** `--cache`: fetched results refresh it; cached results are counted in the summary. */
  cache?: ResultCache;
  /** `--state`: every result (redacted) counts in its target's streak. */
  state?: RunState;
}

/** The parts of the config that choose and shape the outputs (`merge` builds only these). */
export type ReportConfig = Pick<
  CliConfig,
  'format' | 'junit' | 'redactHeaders' | 'onlyFailures' | 'allRows' | 'quiet' | 'progress' | 'color'
> &
  Partial<Pick<CliConfig, 'include' | 'verbose' | 'annotations' | 'openmetrics' | 'every' | 'inputs'>> & {
    defaults: Pick<CliConfig['defaults'], 'headers'>;
  };

/** What the run knows about its targets before results come, for sizing the table and the bar. */
export interface RunShape {
  /** Targets given as URL arguments, as written: the table's target column is sized to them too. */
  knownTargets?: readonly string[];
  /** Targets read from the input so far (grows as the engine takes them). */
  targetsRead?: () => number;
  /** The targets are typed on this terminal (`-` with stdin a TTY): no progress line until they end. */
  typedInput?: boolean;
}

/**
 * The redaction every report applies; `--resume` compares inputs through it too (see
 * selection.ts). `secrets`: the values a target file read with `${env:…}` (a live set).
 */
export function reportRedactor(config: ReportConfig, secrets: SecretValues = NO_SECRETS): Redactor {
  const redact = createRedactor({ headers: config.redactHeaders, secrets: runWideSecrets(config) });
  return withSecretValues(redact, secrets);
}

const NO_SECRETS: SecretValues = new Set();

/** What a run adds to its reports besides the config. */
export interface ReportExtras {
  /** What is known of the targets before results come (table sizing, the bar's total). */
  shape?: RunShape;
  /** The CLI's first SIGINT/SIGTERM: a FIFO `--junit` with no reader is then not waited for. */
  signal?: AbortSignal;
  /** The values a target file read with `${env:…}` (a live set). */
  secrets?: SecretValues;
  /** Baseline, state and cache (`--baseline`, `--state`, `--cache`). */
  history?: ReportHistory;
}

export async function createReporters(
  config: ReportConfig,
  io: CliIO,
  { shape = {}, signal, secrets = NO_SECRETS, history = {} }: ReportExtras = {},
): Promise<RunReport> {
  const stdout = new Output(io.stdout);
  const stderr = new Output(io.stderr);
  const parts: Reporter[] = [];

  // A progress line only where a person watches (stderr a terminal) and nothing else is
  // streaming to that same terminal meanwhile (--ndjson to a TTY stdout would interleave; the
  // table erases the line before each row it prints, see beforeRows).
  const streamingToTerminal =
    config.format !== 'table' && stdoutFormat(config.format).streams === true && io.stdout.isTTY === true;
  const progress =
    config.progress && !config.quiet && !streamingToTerminal
      ? createProgress(io.stderr, { holdUntilInputEnds: shape.typedInput === true })
      : createProgress(nullTty);
  /** Targets counted ahead (see setTotal), for the table's choice to count ok rows instead of listing them. */
  let counted = 0;

  // -v: heads on stderr, in input order; with the table on stdout, each right after its row.
  const verbose =
    config.verbose === true && !config.quiet
      ? createVerboseReporter(stderr, { afterRows: config.format === 'table' })
      : null;

  if (config.every !== undefined) {
    // Rounds of --every: each one's summary line, on stderr (a log or a terminal), nothing else.
    if (!config.quiet) parts.push(createSummaryReporter(stderr, { color: false }));
  } else if (!config.quiet) {
    switch (config.format) {
      case 'table':
        parts.push(
          createTableReporter(stdout, {
            color: config.color,
            onlyFailures: config.onlyFailures,
            summaryOut: stdout,
            width: tableWidth(stdout, io.env),
            showOrigin: foundInPages(config),
            // Rows and the progress line share the screen only when stdout is a terminal too.
            ...(io.stdout.isTTY === true ? { beforeRows: () => progress.clear() } : {}),
            ...(shape.knownTargets === undefined ? {} : { knownTargets: shape.knownTargets }),
            ...(verbose === null ? {} : { afterRow: (index: number) => verbose.release(index) }),
            // More targets than the screen has rows: ok rows are counted, not scrolled past.
            ...(stdout.columns !== undefined && !config.allRows && screenRows(io.stdout) !== undefined
              ? {
                  screenRows: screenRows(io.stdout) as number,
                  targetsKnown: () => Math.max(counted, shape.targetsRead?.() ?? 0),
                }
              : {}),
          }),
        );
        break;
      default: {
        const format = stdoutFormat(config.format);
        const reporter = format.create(stdout);
        parts.push(format.ignoresOnlyFailures === true ? reporter : onlyFailures(reporter, config));
        // Machine output owns stdout; the person reading the log gets the summary on stderr.
        if (format.ownSummary !== true) parts.push(createSummaryReporter(stderr, { color: false }));
      }
    }
  }
  if (io.env.GITHUB_ACTIONS === 'true') {
    const summaryPath = io.env.GITHUB_STEP_SUMMARY;
    parts.push(
      createGitHubReporter({
        // Workflow commands are read from both streams; stdout only when it carries the table.
        log: config.format === 'table' && !config.quiet ? stdout : stderr,
        ...(summaryPath === undefined || summaryPath === '' ? {} : { stepSummary: summaryPath }),
        ...(config.annotations === undefined ? {} : { maxAnnotations: config.annotations }),
        // `file=` paths are relative to the checkout, where GitHub looks for them.
        workspace: io.env.GITHUB_WORKSPACE || process.cwd(),
        warn: (message) => stderr.write(`fetch-many: warning: ${maskSecrets(message, secrets)}\n`),
      }),
    );
  }
  if (config.junit !== undefined) parts.push(createJUnitReporter(config.junit, signal === undefined ? {} : { signal }));
  if (config.openmetrics !== undefined) parts.push(createOpenMetricsReporter(config.openmetrics));
  const reporter = combineReporters(parts);
  const baseline = history.baseline;
  const collector = new SummaryCollector({ changes: baseline !== undefined, cached: history.cache !== undefined });
  const redact = reportRedactor(config, secrets);
  const include = config.include === true;

  return {
    result(r) {
      // One choke point: every report below sees the redacted result (see report/redact.ts).
      let shown = redact(r);
      // Compared as written: the baseline's lines were redacted the same way.
      if (baseline !== undefined) shown = { ...shown, change: baseline.compare(shown) };
      // A cached result was not checked by this run: it moves no streak and refreshes nothing.
      if (shown.cached !== true) {
        history.state?.record(shown);
        history.cache?.update(shown);
      }
      collector.add(shown);
      progress.tick(shown);
      if (verbose === null) {
        reporter.result(shown);
        return;
      }
      // The heads -v kept are for stderr; the formats carry responseHeaders only with -i. Given to
      // -v first: the table releases them right after the row it writes (afterRow).
      verbose.result(shown);
      const { requestHeaders: _request, responseHeaders, ...rest } = shown;
      reporter.result(include && responseHeaders !== undefined ? { ...rest, responseHeaders } : rest);
    },
    setTotal(n, final = true) {
      counted = Math.max(counted, n);
      progress.setTotal(n, final);
    },
    ready() {
      return stdout.ready() ?? stderr.ready() ?? reporter.ready?.() ?? null;
    },
    get stdoutClosed() {
      return stdout.closed;
    },
    async end(wallMs) {
      progress.stop();
      const summary = collector.summary(wallMs);
      await reporter.end(summary);
      await verbose?.end(summary);
      await Promise.all([stdout.flush(), stderr.flush()]);
      // Under --every the next round makes Outputs of its own on the same stdout and stderr.
      stdout.detach();
      stderr.detach();
      return summary;
    },
    async abandon() {
      progress.stop();
      await reporter.discard?.();
    },
    async listGone(signal) {
      if (baseline === undefined) return;
      for await (const batch of baseline.gone(signal)) {
        for (const r of batch) {
          collector.addGone();
          reporter.gone?.(redact(r));
        }
        const wait = stdout.ready() ?? stderr.ready() ?? reporter.ready?.() ?? null;
        if (wait !== null) await wait;
      }
    },
  };
}

/**
 * The table's line width: the terminal's when stdout is one, else `COLUMNS` when set (what a
 * shell exports, and how a CI log's width is usually chosen), else {@link DEFAULT_WIDTH}.
 */
function tableWidth(stdout: Output, env: NodeJS.ProcessEnv): number {
  if (stdout.columns !== undefined) return stdout.columns;
  const columns = Number(env.COLUMNS);
  return Number.isInteger(columns) && columns > 0 ? columns : DEFAULT_WIDTH;
}

/** The terminal's rows, when stdout is a terminal that says. */
function screenRows(stream: NodeJS.WriteStream): number | undefined {
  return stream.isTTY === true && typeof stream.rows === 'number' && stream.rows > 0 ? stream.rows : undefined;
}

/** Values of the run-wide headers (`-H`) whose names are redacted: searched for in every report. */
function runWideSecrets(config: ReportConfig): string[] {
  const names = new Set([...DEFAULT_REDACTED_HEADERS, ...config.redactHeaders.map((n) => n.toLowerCase())]);
  return (config.defaults.headers ?? []).filter(([name]) => names.has(name.toLowerCase())).map(([, value]) => value);
}

/** `--only-failures` for the streaming formats: the summary still counts every result. */
function onlyFailures(reporter: Reporter, config: ReportConfig): Reporter {
  if (!config.onlyFailures) return reporter;
  return {
    result: (r) => (r.ok ? undefined : reporter.result(r)),
    ...(reporter.gone === undefined ? {} : { gone: (r: Result) => reporter.gone?.(r) }),
    end: (s) => reporter.end(s),
    ...(reporter.ready === undefined ? {} : { ready: () => reporter.ready?.() ?? null }),
    ...(reporter.discard === undefined ? {} : { discard: () => reporter.discard?.() ?? Promise.resolve() }),
  };
}

/** A stream that is never a terminal: progress draws nothing on it. */
const nullTty = { isTTY: false } as NodeJS.WriteStream;

/** Targets were found in pages, files or sitemaps: a failed row says where (`docs/a.md:3: …`). */
function foundInPages(config: ReportConfig): boolean {
  const i = config.inputs;
  if (i === undefined) return false;
  return i.sitemaps.length > 0 || i.links.length > 0 || i.linksGlob !== undefined || i.crawl.length > 0;
}
