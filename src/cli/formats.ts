import { Option } from 'commander';
import type { CliOnlyFlag } from '../config/cli-flags.js';
import {
  createCsvReporter,
  createJsonReporter,
  createMarkdownReporter,
  createNdjsonReporter,
  type Output,
  type Reporter,
} from '../report/index.js';

/**
 * The formats that own stdout, one row each: the row is the format's flag (`--<name>`), its help
 * lines, how the report treats it, and the reporter it builds. Without any of these flags the
 * output is the table (built in reporters.ts, with the terminal options only it takes).
 *
 * Everything else is read from here: the flags of a run (program.ts, in the Output group of
 * `--help`, in this order), of `merge` and of `diff` (addFormatOptions); their conflicts (each row
 * cannot be combined with any row below it, so two formats at once are refused, and a flag marked
 * `notWithFormats` in src/config, such as `--every`, refuses every row); the format a command line
 * chose (outputFormat); and the reporter (createReporters).
 *
 * The table lives in src/cli, not beside the option table in src/config, because a row holds its
 * reporter and src/config may not import src/report (scripts/check-layers.mjs).
 *
 * ## Adding a format
 * 1. Its reporter, in a file of its own under src/report/: `(out: Output) => Reporter`.
 * 2. A row below (the order is `--help`'s). Document it in docs/formats.md and docs/options.md.
 */
export interface StdoutFormat {
  /** The flag without its dashes (`ndjson` for `--ndjson`): also commander's attribute name. */
  readonly name: string;
  /** The line in a run's `--help all` and `help output`. */
  readonly help: string;
  /** The line in the short `--help` (at most 55 characters); without it the short help omits the flag. */
  readonly short?: string;
  /** `merge`'s line, where it differs from {@link help} (a merge streams nothing: it reads files). */
  readonly mergeHelp?: string;
  /** `diff`'s line, where it differs from {@link mergeHelp}. */
  readonly diffHelp?: string;
  /**
   * Writes each result as it comes: when stdout is the terminal the progress line would be drawn
   * on, no progress line (the two would interleave).
   */
  readonly streams?: boolean;
  /** The document carries the summary line itself; otherwise the summary goes to stderr. */
  readonly ownSummary?: boolean;
  /**
   * Gets every result whatever `--only-failures` says: it picks the rows it lists itself (failed
   * and flaky targets) and needs every index to keep them in order. Otherwise that flag keeps ok
   * results from the reporter.
   */
  readonly ignoresOnlyFailures?: boolean;
  /** The reporter, writing to stdout. */
  readonly create: (stdout: Output) => Reporter;
}

export const STDOUT_FORMATS = [
  {
    name: 'ndjson',
    short: 'one JSON object per result on stdout',
    help: 'one JSON object per result on stdout, as each completes',
    mergeHelp: 'one JSON object per result on stdout, in input order',
    streams: true,
    create: createNdjsonReporter,
  },
  {
    name: 'json',
    short: 'one JSON document {results, summary} on stdout',
    help: 'one JSON document {results, summary} on stdout at the end',
    mergeHelp: 'one JSON document {results, summary} on stdout',
    create: createJsonReporter,
  },
  {
    name: 'csv',
    help: 'CSV on stdout: a header row, then one row per result in input order',
    create: createCsvReporter,
  },
  {
    name: 'markdown',
    help: 'Markdown on stdout at the end: the summary line and a table of the failed targets (as in a GitHub step summary)',
    mergeHelp: 'Markdown on stdout: the summary line and a table of the failed targets',
    diffHelp: 'Markdown on stdout: the summary line, new failures first',
    ownSummary: true,
    ignoresOnlyFailures: true,
    create: (stdout) => createMarkdownReporter(stdout),
  },
] as const satisfies readonly StdoutFormat[];

export type FormatName = (typeof STDOUT_FORMATS)[number]['name'];

/** What a command line chose for stdout: a row's name, or the table when no format flag is given. */
export type OutputFormat = 'table' | FormatName;

/** Commander attribute names of the formats, in table order. */
export const FORMAT_ATTRIBUTES: readonly string[] = STDOUT_FORMATS.map((f) => attribute(f));

/** The rows as option-table entries of the Output group: what program.ts adds to a run's flags. */
export const FORMAT_FLAGS: readonly CliOnlyFlag[] = STDOUT_FORMATS.map((f: StdoutFormat, i) => ({
  flags: `--${f.name}`,
  ...(f.short === undefined ? {} : { short: f.short }),
  help: f.help,
  group: 'output',
  ...(i + 1 < STDOUT_FORMATS.length ? { conflicts: FORMAT_ATTRIBUTES.slice(i + 1) } : {}),
}));

/** The stdout format the flags chose (commander already refused conflicting ones); a run, `merge` and `diff` alike. */
export function outputFormat(flags: object): OutputFormat {
  const given = flags as Readonly<Record<string, unknown>>;
  return STDOUT_FORMATS.find((f) => given[attribute(f)] === true)?.name ?? 'table';
}

/** The row of a format other than the table. */
export function stdoutFormat(name: FormatName): StdoutFormat {
  return STDOUT_FORMATS.find((f) => f.name === name) as StdoutFormat;
}

/** The format flags as `merge` or `diff` shows and parses them, with the same conflicts as a run's. */
export function formatOptions(command: 'merge' | 'diff'): Option[] {
  return FORMAT_FLAGS.map((flag, i) => {
    const row: StdoutFormat = STDOUT_FORMATS[i] as StdoutFormat;
    const help = (command === 'diff' ? row.diffHelp : undefined) ?? row.mergeHelp ?? row.help;
    const option = new Option(flag.flags, help);
    return flag.conflicts === undefined ? option : option.conflicts([...flag.conflicts]);
  });
}

function attribute(format: { name: string }): string {
  return new Option(`--${format.name}`).attributeName();
}
