import { appendFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { Result } from '../types.js';
import { earlierAttempts, flakyText } from './attempts.js';
import { truncateEnd } from './fit.js';
import { MarkdownCollector } from './markdown.js';
import type { Output } from './output.js';
import type { Reporter } from './reporter.js';
import { sanitize } from './sanitize.js';
import type { Summary } from './summary.js';

/**
 * Annotation lines written at most, per kind: GitHub shows 10 error and 10 warning annotations
 * per step (50 per job) and drops the rest where nobody sees them. With more failures than
 * that, the first 9 are annotated and the 10th line counts the rest, so it is shown too.
 */
export const MAX_ANNOTATIONS = 10;
const TITLE_CHARS = 200;
const MESSAGE_CHARS = 1000;

export interface GitHubReporterOptions {
  /** Where the `::error` lines go: stdout with the table, stderr when stdout carries a machine format. */
  log: Output;
  /** `$GITHUB_STEP_SUMMARY`, when set: the Markdown report is appended there at the end. */
  stepSummary?: string;
  /** A line for a problem that must not fail the run (the step summary could not be written). */
  warn: (message: string) => void;
  /**
   * `::error` lines at most (failed targets, the last one counting the rest when there are
   * more); as many `::warning` lines for flaky targets. 0: none. @default {@link MAX_ANNOTATIONS}
   */
  maxAnnotations?: number;
  /**
   * The checkout (`$GITHUB_WORKSPACE`): an annotation for a target read from a file carries
   * `file=` relative to it and `line=`, so GitHub shows it on that line of the file. A file
   * outside it gets no location. @default the working directory
   */
  workspace?: string;
}

/**
 * One kind of annotation (errors, or warnings) under its budget: the first `max - 1` written as
 * they come, the next one held — written whole at the end if it was the last, else replaced by
 * one line counting it and all after it.
 */
class Budget {
  #written = 0;
  #held: string | null = null;
  #rest = 0;

  constructor(
    private readonly max: number,
    private readonly log: Output,
  ) {}

  add(line: () => string): void {
    if (this.max === 0) return;
    if (this.#written < this.max - 1) {
      this.#written++;
      this.log.write(line());
    } else if (this.#held === null && this.#rest === 0) {
      this.#held = line();
    } else {
      this.#held = null;
      this.#rest++;
    }
  }

  /** At the end: the held line, or the count of the rest (`rest` counts the held one too). */
  finish(countLine: (rest: number) => string): void {
    if (this.#held !== null) this.log.write(this.#held);
    else if (this.#rest > 0) this.log.write(countLine(this.#rest + 1));
  }
}

/**
 * GitHub Actions (`GITHUB_ACTIONS=true`): one `::error` workflow command per failed target, as it
 * fails, and one `::warning` per flaky target (ok only after retries), each kind within
 * {@link MAX_ANNOTATIONS} lines, the last of which counts the rest when there are more; and, at
 * the end, the Markdown report (summary line, failures table, flaky table, see
 * {@link MarkdownCollector}) appended to `$GITHUB_STEP_SUMMARY` — appended, as GitHub asks, so
 * other steps' summaries stay. A missing or unwritable summary file is a warning, never the
 * run's failure: the run's result is what it is whether or not the summary could be shown.
 * Cancelled targets (an interrupted run) are not annotated one by one.
 */
export function createGitHubReporter(opts: GitHubReporterOptions): Reporter {
  const max = opts.maxAnnotations ?? MAX_ANNOTATIONS;
  const workspace = resolve(opts.workspace ?? process.cwd());
  const markdown = opts.stepSummary === undefined ? null : new MarkdownCollector();
  const errors = new Budget(max, opts.log);
  const warnings = new Budget(max, opts.log);
  let ended: Promise<void> | null = null;

  return {
    result(r: Result): void {
      if (ended !== null) return;
      markdown?.add(r);
      if (r.flaky === true) warnings.add(() => flakyAnnotation(r, workspace));
      if (r.ok || r.error?.code === 'cancelled') return;
      errors.add(() => annotation(r, workspace));
    },
    gone(r: Result): void {
      if (ended === null) markdown?.gone(r);
    },
    end(summary: Summary): Promise<void> {
      ended ??= (async () => {
        errors.finish(
          (rest) =>
            `::error title=fetch-many::${escapeData(`${rest} more failed ${rest === 1 ? 'target' : 'targets'} not annotated (GitHub shows ${max} annotations per step; the step summary and the log list them all)`)}\n`,
        );
        warnings.finish(
          (rest) =>
            `::warning title=fetch-many::${escapeData(`${rest} more flaky ${rest === 1 ? 'target' : 'targets'} (ok only after retries) not annotated`)}\n`,
        );
        const flushed = opts.log.flush();
        if (markdown !== null && opts.stepSummary !== undefined) {
          try {
            await appendFile(opts.stepSummary, markdown.render(summary), 'utf8');
          } catch (err) {
            const e = err as NodeJS.ErrnoException;
            opts.warn(`cannot write the step summary to ${opts.stepSummary}: ${e.code ?? e.message}`);
          }
        }
        await flushed;
      })();
      return ended;
    },
  };
}

function targetText(r: Result): string {
  return r.name ?? (r.url === null ? r.input : `${r.method} ${r.url}`);
}

/**
 * `file=…,line=…,` for a target read from a file inside the workspace, `/`-separated as GitHub
 * wants; '' otherwise (arguments, stdin, a file elsewhere).
 */
export function locationProperties(r: Result, workspace: string): string {
  if (r.source === undefined) return '';
  const path = relative(workspace, resolve(r.source.file));
  if (path === '' || path.startsWith('..') || isAbsolute(path)) return '';
  return `file=${escapeProperty(path.split(sep).join('/'))},line=${r.source.line},`;
}

/** One `::error` line for a failed target. */
export function annotation(r: Result, workspace: string = process.cwd()): string {
  const problem =
    r.error !== null ? `${r.error.code}: ${r.error.message}` : r.failures.length > 0 ? r.failures.join('; ') : 'not ok';
  const title = truncateEnd(sanitize(`fetch-many #${r.index + 1}: ${targetText(r)}`), TITLE_CHARS);
  // The status, unless the message already starts with it (`status 503 not in 200-399`).
  const withStatus = r.status === null || problem.startsWith('status ') ? problem : `status ${r.status}: ${problem}`;
  const message = truncateEnd(sanitize(withStatus), MESSAGE_CHARS);
  return `::error ${locationProperties(r, workspace)}title=${escapeProperty(title)}::${escapeData(message)}\n`;
}

/** One `::warning` line for a flaky target: ok after N attempts, and what the earlier ones ran into. */
export function flakyAnnotation(r: Result, workspace: string = process.cwd()): string {
  const title = truncateEnd(sanitize(`fetch-many #${r.index + 1}: ${targetText(r)}`), TITLE_CHARS);
  const message = truncateEnd(sanitize([`flaky: ${flakyText(r)}`, ...earlierAttempts(r)].join('; ')), MESSAGE_CHARS);
  return `::warning ${locationProperties(r, workspace)}title=${escapeProperty(title)}::${escapeData(message)}\n`;
}

/**
 * Workflow-command escaping, as GitHub's runner decodes it (actions/toolkit `command.ts`): the
 * message (data) escapes `%`, CR and LF; a property value also `:` and `,`, which would end it.
 * `%` goes first so the escapes themselves are not escaped again.
 */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
