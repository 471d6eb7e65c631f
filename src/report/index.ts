/**
 * Reporters: each turns Results into one output format on a stream the caller owns. Internal to
 * the package (the CLI uses them); the histogram, grid, reorder buffer and XML helpers are
 * implementation details and deliberately not re-exported.
 */
export type { Reporter } from './reporter.js';
export { Output, type OutputOptions } from './output.js';
export { sanitize, displayWidth } from './sanitize.js';
export {
  SummaryCollector,
  formatSummary,
  type Summary,
  type LatencySummary,
  type StatusClass,
} from './summary.js';
export { createTableReporter, DEFAULT_WIDTH, type TableReporterOptions } from './table.js';
export { createMarkdownReporter, MarkdownCollector, MARKDOWN_MAX_ROWS } from './markdown.js';
export { createGitHubReporter, MAX_ANNOTATIONS, type GitHubReporterOptions } from './github.js';
export { createRedactor, DEFAULT_REDACTED_HEADERS, type Redactor, type RedactOptions } from './redact.js';
export { maskSecrets, type SecretValues, withSecretValues } from './secret-values.js';
export {
  openReportFile,
  writeReportFile,
  resolveDestination,
  type ReportFile,
  type Destination,
  type Patch,
} from './safe-write.js';
export { createNdjsonReporter } from './ndjson.js';
export { createVerboseReporter, includedHeadLines, verboseLines } from './heads.js';
export { createJsonReporter } from './json.js';
export { createCsvReporter, CSV_COLUMNS } from './csv.js';
export { createJUnitReporter } from './junit.js';
export { createSummaryReporter } from './summary-reporter.js';
export { combineReporters } from './multi.js';
export {
  createProgress,
  formatProgress,
  type Progress,
  type ProgressOptions,
  type ProgressState,
} from './progress.js';
export { resultToJson } from './result-json.js';
