import { appendFile } from 'node:fs/promises';
import type { Result } from '../types.js';
import { truncateEnd } from './fit.js';
import { MarkdownCollector } from './markdown.js';
import type { Output } from './output.js';
import type { Reporter } from './reporter.js';
import { sanitize } from './sanitize.js';
import type { Summary } from './summary.js';

/**
 * Annotations written at most. GitHub shows only the first few per step anyway (10 errors at the
 * time of writing); the cap keeps a run with a million failures from flooding the log.
 */
export const MAX_ANNOTATIONS = 50;
const TITLE_CHARS = 200;
const MESSAGE_CHARS = 1000;

export interface GitHubReporterOptions {
  /** Where the `::error` lines go: stdout with the table, stderr when stdout carries a machine format. */
  log: Output;
  /** `$GITHUB_STEP_SUMMARY`, when set: the Markdown report is appended there at the end. */
  stepSummary?: string;
  /** A line for a problem that must not fail the run (the step summary could not be written). */
  warn: (message: string) => void;
  /** @default {@link MAX_ANNOTATIONS} */
  maxAnnotations?: number;
}

/**
 * GitHub Actions (`GITHUB_ACTIONS=true`): one `::error title=…::message` workflow command per
 * failed target, as it fails, up to {@link MAX_ANNOTATIONS}, then one with the count of the rest;
 * and, at the end, the Markdown report (summary line and failures table, see
 * {@link MarkdownCollector}) appended to `$GITHUB_STEP_SUMMARY` — appended, as GitHub asks, so
 * other steps' summaries stay. A missing or unwritable summary file is a warning, never the
 * run's failure: the run's result is what it is whether or not the summary could be shown.
 * Cancelled targets (an interrupted run) are not annotated one by one.
 */
export function createGitHubReporter(opts: GitHubReporterOptions): Reporter {
  const max = opts.maxAnnotations ?? MAX_ANNOTATIONS;
  const markdown = opts.stepSummary === undefined ? null : new MarkdownCollector();
  let annotated = 0;
  let rest = 0;
  let ended: Promise<void> | null = null;

  return {
    result(r: Result): void {
      if (ended !== null) return;
      markdown?.add(r);
      if (r.ok || r.error?.code === 'cancelled') return;
      if (annotated >= max) {
        rest++;
        return;
      }
      annotated++;
      opts.log.write(annotation(r));
    },
    gone(r: Result): void {
      if (ended === null) markdown?.gone(r);
    },
    end(summary: Summary): Promise<void> {
      ended ??= (async () => {
        if (rest > 0) {
          opts.log.write(
            `::error title=fetch-many::${escapeData(`${rest} more failed ${rest === 1 ? 'target' : 'targets'} not annotated (the first ${max} are)`)}\n`,
          );
        }
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

/** One `::error` line for a failed target. */
export function annotation(r: Result): string {
  const target = r.name ?? (r.url === null ? r.input : `${r.method} ${r.url}`);
  const problem =
    r.error !== null ? `${r.error.code}: ${r.error.message}` : r.failures.length > 0 ? r.failures.join('; ') : 'not ok';
  const title = truncateEnd(sanitize(`fetch-many #${r.index + 1}: ${target}`), TITLE_CHARS);
  // The status, unless the message already starts with it (`status 503 not in 200-399`).
  const withStatus = r.status === null || problem.startsWith('status ') ? problem : `status ${r.status}: ${problem}`;
  const message = truncateEnd(sanitize(withStatus), MESSAGE_CHARS);
  return `::error title=${escapeProperty(title)}::${escapeData(message)}\n`;
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
