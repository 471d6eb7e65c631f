import {
  DEFAULT_REDACTED_HEADERS,
  DEFAULT_WIDTH,
  Output,
  SummaryCollector,
  combineReporters,
  createCsvReporter,
  createGitHubReporter,
  createJUnitReporter,
  createJsonReporter,
  createMarkdownReporter,
  createNdjsonReporter,
  createProgress,
  createRedactor,
  createSummaryReporter,
  createTableReporter,
  type Redactor,
  type Reporter,
  type Summary,
} from '../report/index.js';
import type { Baseline } from '../history/baseline.js';
import type { RunState } from '../history/state.js';
import type { ResultCache } from '../history/cache.js';
import { createOpenMetricsReporter } from '../report/openmetrics.js';
import type { Result } from '../types.js';
import type { CliConfig } from './options.js';
import type { CliIO } from './io.js';

/** Everything the run writes, behind one face: the engine's results go in, files and streams come out. */
export interface RunReport {
  result(r: Result): void;
  setTotal(n: number): void;
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

/** What the reports compare results with (runs over time, issue 20). */
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
  'format' | 'junit' | 'redactHeaders' | 'onlyFailures' | 'quiet' | 'progress' | 'color'
> &
  Partial<Pick<CliConfig, 'openmetrics' | 'every'>> & { defaults: Pick<CliConfig['defaults'], 'headers'> };

/** The redaction every report applies; `--resume` compares inputs through it too (see selection.ts). */
export function reportRedactor(config: ReportConfig): Redactor {
  return createRedactor({ headers: config.redactHeaders, values: runWideSecrets(config) });
}

export async function createReporters(
  config: ReportConfig,
  io: CliIO,
  history: ReportHistory = {},
): Promise<RunReport> {
  const stdout = new Output(io.stdout);
  const stderr = new Output(io.stderr);
  const parts: Reporter[] = [];

  // A progress line only where a person watches (stderr a terminal) and nothing else is
  // streaming to that same terminal meanwhile (ndjson to a TTY stdout would interleave; the
  // table erases the line before each row it prints, see beforeRows).
  const streamingToTerminal = config.format === 'ndjson' && io.stdout.isTTY === true;
  const progress =
    config.progress && !config.quiet && !streamingToTerminal ? createProgress(io.stderr) : createProgress(nullTty);

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
            // Rows and the progress line share the screen only when stdout is a terminal too.
            ...(io.stdout.isTTY === true ? { beforeRows: () => progress.clear() } : {}),
          }),
        );
        break;
      case 'ndjson':
        parts.push(onlyFailures(createNdjsonReporter(stdout), config));
        break;
      case 'json':
        parts.push(onlyFailures(createJsonReporter(stdout), config));
        break;
      case 'csv':
        parts.push(onlyFailures(createCsvReporter(stdout), config));
        break;
      case 'markdown':
        parts.push(createMarkdownReporter(stdout));
        break;
    }
    // Machine output owns stdout; the person reading the log gets the summary on stderr.
    if (config.format !== 'table' && config.format !== 'markdown') {
      parts.push(createSummaryReporter(stderr, { color: false }));
    }
  }
  if (io.env.GITHUB_ACTIONS === 'true') {
    const summaryPath = io.env.GITHUB_STEP_SUMMARY;
    parts.push(
      createGitHubReporter({
        // Workflow commands are read from both streams; stdout only when it carries the table.
        log: config.format === 'table' && !config.quiet ? stdout : stderr,
        ...(summaryPath === undefined || summaryPath === '' ? {} : { stepSummary: summaryPath }),
        warn: (message) => stderr.write(`fetch-many: warning: ${message}\n`),
      }),
    );
  }
  if (config.junit !== undefined) parts.push(createJUnitReporter(config.junit));
  if (config.openmetrics !== undefined) parts.push(createOpenMetricsReporter(config.openmetrics));
  const reporter = combineReporters(parts);
  const baseline = history.baseline;
  const collector = new SummaryCollector({ changes: baseline !== undefined, cached: history.cache !== undefined });
  const redact = reportRedactor(config);

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
      reporter.result(shown);
    },
    setTotal(n) {
      progress.setTotal(n);
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
      await Promise.all([stdout.flush(), stderr.flush()]);
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
