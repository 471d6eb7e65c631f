import {
  Output,
  SummaryCollector,
  combineReporters,
  createCsvReporter,
  createJUnitReporter,
  createJsonReporter,
  createNdjsonReporter,
  createProgress,
  createSummaryReporter,
  createTableReporter,
  type Reporter,
  type Summary,
} from '../report/index.js';
import type { Result } from '../types.js';
import type { CliConfig } from './options.js';
import type { CliIO } from './main.js';

/** Everything the run writes, behind one face: the engine's results go in, files and streams come out. */
export interface RunReport {
  result(r: Result): void;
  setTotal(n: number): void;
  /** True once stdout's reader went away (`| head`): nothing more can be shown. */
  readonly stdoutClosed: boolean;
  end(wallMs: number): Promise<Summary>;
  /** Resolves once what was written to stdout so far is handed to the OS (merge paces itself by it). */
  drain(): Promise<void>;
  /** Stop drawing progress and write nothing (the run turned out to be a usage error). */
  abandon(): Promise<void>;
}

/** The parts of the config that choose outputs (`merge` builds only these). */
export type ReportConfig = Pick<CliConfig, 'format' | 'junit' | 'onlyFailures' | 'quiet' | 'progress' | 'color'>;

export async function createReporters(config: ReportConfig, io: CliIO): Promise<RunReport> {
  const stdout = new Output(io.stdout);
  const stderr = new Output(io.stderr);
  const parts: Reporter[] = [];
  if (!config.quiet) {
    switch (config.format) {
      case 'table':
        parts.push(
          createTableReporter(stdout, { color: config.color, onlyFailures: config.onlyFailures, summaryOut: stdout }),
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
    }
    // Machine output owns stdout; the person reading the log gets the summary on stderr.
    if (config.format !== 'table') parts.push(createSummaryReporter(stderr, { color: false }));
  }
  if (config.junit !== undefined) parts.push(createJUnitReporter(config.junit));
  const reporter = combineReporters(parts);

  // A progress line only where a person watches (stderr a terminal) and nothing else is
  // streaming to that same terminal meanwhile (ndjson to a TTY stdout would interleave).
  const streamingToTerminal = config.format === 'ndjson' && io.stdout.isTTY === true;
  const progress =
    config.progress && !config.quiet && !streamingToTerminal ? createProgress(io.stderr) : createProgress(nullTty);
  const collector = new SummaryCollector();

  return {
    result(r) {
      collector.add(r);
      progress.tick(r);
      reporter.result(r);
    },
    setTotal(n) {
      progress.setTotal(n);
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
    drain() {
      return stdout.flush();
    },
    async abandon() {
      progress.stop();
    },
  };
}

/** `--only-failures` for the streaming formats: the summary still counts every result. */
function onlyFailures(reporter: Reporter, config: ReportConfig): Reporter {
  if (!config.onlyFailures) return reporter;
  return { result: (r) => (r.ok ? undefined : reporter.result(r)), end: (s) => reporter.end(s) };
}

/** A stream that is never a terminal: progress draws nothing on it. */
const nullTty = { isTTY: false } as NodeJS.WriteStream;
