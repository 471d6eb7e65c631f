import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Command } from 'commander';
import { UsageError } from '../errors.js';
import { MergeError, mergeResults, type MergeInput } from '../merge/merge.js';
import { ResultFileError } from '../merge/read-results.js';
import { cannotRead } from '../targets/read/sources.js';
import { countTargets } from '../targets/index.js';
import { formatOptions, outputFormat } from './formats.js';
import { checkOutputPath } from './output-path.js';
import { createReporters, type ReportExtras, type RunReport } from './reporters.js';

/** The streams merge uses (the CLI's own IO; declared here so this file does not import main.ts back). */
export interface MergeIO {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

interface RawMergeOptions extends ReportFlags {
  total?: string;
  targets?: string;
}

/** The report flags of the commands that read results files (merge, diff), a format's among them. */
export interface ReportFlags {
  junit?: string;
  onlyFailures?: boolean;
  quiet?: boolean;
  color: boolean;
}

/** `--junit FILE` of merge or diff: a name, and a place a file can be written, before anything is read. */
export async function checkJunitFlag(raw: ReportFlags): Promise<void> {
  if (raw.junit === undefined) return;
  if (raw.junit.trim() === '') throw new UsageError('--junit needs a file name');
  await checkOutputPath(raw.junit, '--junit');
}

/**
 * The reports of a command that reads results files (merge, diff). The runs that wrote the files
 * redacted them already (Authorization, Cookie, passwords in URLs…); the reports redact again,
 * which leaves `***` as it is. Every row is listed, as the files hold them.
 */
export function resultsFileReporters(raw: ReportFlags, io: MergeIO, extras?: ReportExtras): Promise<RunReport> {
  const format = outputFormat(raw);
  const noColorEnv = io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '';
  return createReporters(
    {
      format,
      ...(raw.junit === undefined ? {} : { junit: raw.junit }),
      redactHeaders: [],
      defaults: { headers: [] },
      onlyFailures: raw.onlyFailures === true,
      allRows: true,
      quiet: raw.quiet === true,
      progress: false,
      color: raw.color && !noColorEnv && io.stdout.isTTY === true && format === 'table',
    },
    io,
    extras,
  );
}

export function buildMergeProgram(): Command {
  const command = new Command('fetch-many merge')
    .description(
      'Merge the NDJSON results of several runs (--shard i/n, a run and its --resume) into the report, ' +
        'summary and exit code one run of the whole list would have given.',
    )
    .argument('<files...>', 'NDJSON results files written by --ndjson, or - for stdin')
    .option('--total <n>', 'the list has n targets: every index 0 … n-1 must be present (default: highest index seen)')
    .option('--targets <file>', 'the target list the runs read: its targets are counted, as --total');
  // The stdout formats, their help lines and conflicts: formats.ts.
  for (const option of formatOptions('merge')) command.addOption(option);
  return command
    .option('--junit <file>', 'also write a JUnit XML report to <file>, one test case per target')
    .option('--only-failures', 'show only failed targets (the summary still counts all)')
    .option('-q, --quiet', 'print nothing but, on failure, the reason for the exit code')
    .option('--no-color', 'no colour (also: NO_COLOR set, or stdout not a terminal)')
    .addHelpText(
      'after',
      `
Each index must appear once: a cancelled result gives way to a finished one for the same index,
two finished results for one index are an error, and so are missing indexes.

Exit codes:
  0  every target ok
  1  at least one target failed (cancelled ones included)
  2  usage error, a malformed results line, a duplicate or missing index
  130 / 143  interrupted by SIGINT / SIGTERM
  141  stopped early because stdout's reader went away (e.g. | head)

Example:
  fetch-many merge shard-*.ndjson --total 20000 --junit report.xml`,
    );
}

/** `fetch-many merge …`: reads results files, writes the reports, decides the exit code. */
export async function runMerge(
  argv: string[],
  io: MergeIO,
  configure: (c: Command) => Command,
  interrupted: AbortSignal,
): Promise<number> {
  const program = configure(buildMergeProgram());
  program.parse(argv, { from: 'user' });
  const raw = program.opts<RawMergeOptions>();
  const files = program.args;
  if (files.filter((f) => f === '-').length > 1) throw new UsageError('merge: stdin (-) can be given only once');
  if (raw.total !== undefined && raw.targets !== undefined)
    throw new UsageError('merge: give --total or --targets, not both');
  await checkJunitFlag(raw);
  for (const file of files) if (file !== '-') await checkReadable(file);

  let total: number | undefined;
  if (raw.total !== undefined) {
    const n = /^\d+$/.test(raw.total.trim()) ? Number(raw.total.trim()) : NaN;
    if (!Number.isSafeInteger(n) || n < 1)
      throw new UsageError(`--total must be a whole number ≥ 1, got "${raw.total}"`);
    total = n;
  }
  if (raw.targets !== undefined) {
    total = await countTargets([{ kind: 'file', path: raw.targets }]);
    if (total === 0) throw new UsageError(`--targets ${raw.targets}: no targets in the file`);
  }

  const reporters = await resultsFileReporters(raw, io);

  const inputs: MergeInput[] = files.map((file) =>
    file === '-' ? { label: 'stdin', open: () => io.stdin } : { label: file, open: () => createReadStream(file) },
  );
  let failed = 0;
  // `merge … | head`: once stdout's reader is gone (and no --junit file wants the rest), stop.
  const stop = new AbortController();
  const onInterrupt = (): void => stop.abort();
  if (interrupted.aborted) stop.abort();
  else interrupted.addEventListener('abort', onInterrupt, { once: true });
  const ready = (): Promise<void> | null => {
    if (reporters.stdoutClosed && raw.junit === undefined) stop.abort();
    return reporters.ready();
  };
  try {
    await mergeResults(inputs, { ...(total === undefined ? {} : { total }), ready, signal: stop.signal }, (result) => {
      if (!result.ok) failed++;
      reporters.result(result);
    });
  } catch (err) {
    await reporters.abandon();
    if (err instanceof MergeError && err.kind === 'interrupted') {
      // Stopped by SIGINT/SIGTERM: main exits with the signal's code. Else the reader went away:
      // exit as SIGPIPE would (128 + 13), as a run does.
      return interrupted.aborted ? 2 : 141;
    }
    if (err instanceof MergeError || err instanceof ResultFileError) throw new UsageError(`merge: ${err.message}`);
    throw err;
  } finally {
    interrupted.removeEventListener('abort', onInterrupt);
  }
  // The runs' own wall times are not in their results, and the merge's is not theirs: the summary
  // says 0 s rather than a duration that would mean something else.
  let summary: Awaited<ReturnType<typeof reporters.end>>;
  try {
    summary = await reporters.end(0);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UsageError(`cannot write the report: ${e.code ?? ''}${e.code ? ': ' : ''}${e.message}`);
  }
  if (failed > 0) {
    if (raw.quiet === true) io.stderr.write(`fetch-many: ${summary.failed} of ${summary.total} targets failed\n`);
    return 1; // EXIT.failed, as a run of the whole list would end
  }
  return 0; // EXIT.ok
}

/** A missing or unreadable results file is a usage error before anything is read. */
async function checkReadable(path: string): Promise<void> {
  try {
    if ((await stat(path)).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    await (await open(path, 'r')).close();
  } catch (err) {
    throw cannotRead(path, err, 'merge');
  }
}
