import { existsSync, readFileSync } from 'node:fs';

/**
 * What bench/https.ts hands to the suite: its medians, written to bench/.work/https/summary.json
 * after its runs. bench/run.ts spawns https.ts as a child with `--run-id`, and takes the figures
 * only from a file carrying that same id, so the issue 24 goals never show an earlier run's.
 */
export const SUMMARY_VERSION = 1;

/** One peer on one workload: medians of its runs. */
export interface HttpsFigures {
  /** Median wall time, ms (/usr/bin/time's %e: process startup included). */
  wallMs: number;
  /** Median user + sys CPU, µs per request. */
  cpuUsPerRequest: number;
  /** Median peak RSS, KiB (/usr/bin/time's %M). */
  maxRssKiB: number;
  /** Requests the command was meant to make. */
  requests: number;
  /** Exit code of every run, in order. */
  exits: number[];
  /** Responses per HTTP version in the last run ("1.1", "2"). */
  versions: Record<string, number>;
}

export interface HttpsSummary {
  version: number;
  /** The id bench/run.ts passed down (`--run-id`), or null when https.ts ran alone. */
  runId: string | null;
  /** When the runs ended (ISO 8601). */
  finished: string;
  runs: number;
  quick: boolean;
  /** Workload id (h1, close, h2) → peer (fetch-many, curl, node floor, …) → medians. */
  workloads: Record<string, Record<string, HttpsFigures>>;
}

/** A new id for one `npm run bench`: its pid and start time, never the same twice on one machine. */
export function newRunId(): string {
  return `${process.pid}-${Date.now()}`;
}

/** Whether every run of a peer did its work: each exit 0 and every response counted on one version. */
export function httpsUsable(f: HttpsFigures | undefined): f is HttpsFigures {
  if (f === undefined || f.exits.length === 0 || f.exits.some((e) => e !== 0)) return false;
  return Object.values(f.versions).reduce((a, b) => a + b, 0) === f.requests;
}

/**
 * The summary written by the https.ts run with this id, or null: no file, a file from another run
 * (an earlier `npm run bench`, or https.ts run alone), or one that is not a summary.
 */
export function readHttpsSummary(file: string, runId: string): HttpsSummary | null {
  if (!existsSync(file)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const s = parsed as Partial<HttpsSummary>;
  if (s.version !== SUMMARY_VERSION || s.runId !== runId) return null;
  if (typeof s.workloads !== 'object' || s.workloads === null) return null;
  return s as HttpsSummary;
}

export const SECTION_HEADING = '## HTTPS and HTTP/2 (issue 10)';
export const SECTION_END = '<!-- https:end -->';

/** The results file's text with the HTTPS section replaced by `section` (or appended). */
export function recordHttpsSection(text: string, section: string): string {
  const start = text.indexOf(SECTION_HEADING);
  const end = start === -1 ? -1 : text.indexOf(SECTION_END, start);
  return start !== -1 && end !== -1
    ? text.slice(0, start) + section.trimEnd() + text.slice(end + SECTION_END.length)
    : `${text.trimEnd()}\n\n${section.trimEnd()}\n`;
}
