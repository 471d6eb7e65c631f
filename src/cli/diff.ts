import { createReadStream } from 'node:fs';
import { Command } from 'commander';
import { UsageError } from '../errors.js';
import { BitSet } from '../merge/bitset.js';
import { ResultFileError, readResults } from '../merge/read-results.js';
import { cannotRead } from '../targets/read/sources.js';
import { checkReadable, loadBaseline } from './history.js';
import { checkJunitFlag, type MergeIO, type ReportFlags, resultsFileReporters } from './merge.js';
import { formatOptions } from './formats.js';

type RawDiffOptions = ReportFlags;

export function buildDiffProgram(): Command {
  const command = new Command('fetch-many diff')
    .description(
      'Compare two runs without fetching: the results of NEW, each with its change against OLD ' +
        '(new-failure, still-failing, fixed, ok, new), then the targets of OLD that NEW does not have (gone).',
    )
    .argument('<old>', 'NDJSON results of the earlier run (a file: it is read twice)')
    .argument('<new>', 'NDJSON results of the later run, or - for stdin');
  // The stdout formats, their help lines and conflicts: formats.ts.
  for (const option of formatOptions('diff')) command.addOption(option);
  return command
    .option('--junit <file>', 'also write a JUnit XML report to <file>, one test case per target')
    .option('--only-failures', 'show only failed targets, and gone ones (the summary still counts all)')
    .option('-q, --quiet', 'print nothing but, on failure, the reason for the exit code')
    .option('--no-color', 'no colour (also: NO_COLOR set, or stdout not a terminal)')
    .addHelpText(
      'after',
      `
A target is the same in both runs when its method, URL (as written, redacted) and request body
digest are: its position does not matter (docs/runs-over-time.md).

Exit codes:
  0  no new failure (targets may still fail, as they did in OLD)
  1  at least one new failure: a target ok in OLD fails in NEW
  2  usage error, a malformed results line, an index twice in NEW (merge shards first)
  130 / 143  interrupted by SIGINT / SIGTERM
  141  stopped early because stdout's reader went away (e.g. | head)

Example:
  fetch-many diff main.ndjson pr.ndjson --markdown >> "$GITHUB_STEP_SUMMARY"`,
    );
}

/** Indexes are tracked one bit each up to the highest: a bogus huge index must not allocate that. */
const MAX_INDEX = 2 ** 32 - 1;

/**
 * `fetch-many diff OLD NEW`: what `--baseline OLD` would have said of the run that wrote NEW.
 *
 * Memory: OLD is held as 9 bytes a target (history/baseline.ts) and read a second time for the
 * gone targets; NEW streams through the reports as a run's own results do (each index once, a
 * bit per index), so a report that puts results in index order holds only those that come
 * ahead of an earlier one. Measured on a 1M-result pair: 97 MiB peak RSS this way, against
 * 284–292 MiB when NEW went through merge's external sort first (its extra parse and spill
 * churn let V8's heap grow; bench/RESULTS.md). Shards or resumed runs are merged first:
 * `fetch-many merge --ndjson FILE… | fetch-many diff OLD -`, which spills.
 */
export async function runDiff(
  argv: string[],
  io: MergeIO,
  configure: (c: Command) => Command,
  interrupted: AbortSignal,
): Promise<number> {
  const program = configure(buildDiffProgram());
  program.parse(argv, { from: 'user' });
  const raw = program.opts<RawDiffOptions>();
  const [oldFile, newFile] = program.args as [string, string];
  if (oldFile === '-') throw new UsageError('diff: OLD must be a file (it is read twice); NEW may be - for stdin');
  await checkJunitFlag(raw);
  if (newFile !== '-') await checkReadable(newFile, 'diff');
  const baseline = await loadBaseline([oldFile], 'diff');

  const reporters = await resultsFileReporters(raw, io, { history: { baseline } });

  const stop = new AbortController();
  const onInterrupt = (): void => stop.abort();
  if (interrupted.aborted) stop.abort();
  else interrupted.addEventListener('abort', onInterrupt, { once: true });
  const label = newFile === '-' ? 'stdin' : newFile;
  const stream = newFile === '-' ? io.stdin : createReadStream(newFile);
  const onAbort = (): void => {
    (stream as { destroy?: () => void }).destroy?.();
  };
  stop.signal.addEventListener('abort', onAbort, { once: true });
  const seen = new BitSet();
  try {
    for await (const batch of readResults(stream, label)) {
      for (const { result, line } of batch) {
        // Lines an earlier comparison marked gone were not results of that run.
        if (result.change === 'gone') continue;
        if (result.index > MAX_INDEX || seen.has(result.index)) {
          throw new UsageError(
            `diff: ${label} line ${line}: index ${result.index} appears twice — merge shards or resumed runs first: fetch-many merge --ndjson FILE… | fetch-many diff OLD -`,
          );
        }
        seen.add(result.index);
        // The change NEW may carry (it was a --baseline run) is recomputed against OLD.
        const { change: _, ...plain } = result;
        reporters.result(plain);
      }
      if (reporters.stdoutClosed && raw.junit === undefined) stop.abort();
      if (stop.signal.aborted) break;
      const behind = reporters.ready();
      if (behind !== null) await behind;
    }
    if (!stop.signal.aborted) await reporters.listGone(stop.signal);
  } catch (err) {
    await reporters.abandon();
    if (stop.signal.aborted) return interrupted.aborted ? 2 : 141;
    if (err instanceof ResultFileError) throw new UsageError(`diff: ${err.message}`);
    if (err instanceof UsageError) throw err;
    throw cannotRead(label, err, 'diff');
  } finally {
    interrupted.removeEventListener('abort', onInterrupt);
    stop.signal.removeEventListener('abort', onAbort);
  }
  if (stop.signal.aborted) {
    await reporters.abandon();
    // main turns a signal into 130/143; a reader that went away is SIGPIPE's 141, as for a run.
    return interrupted.aborted ? 2 : 141;
  }
  let summary: Awaited<ReturnType<typeof reporters.end>>;
  try {
    summary = await reporters.end(0);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UsageError(`cannot write the report: ${e.code ?? ''}${e.code ? ': ' : ''}${e.message}`);
  }
  const fresh = summary.changes?.['new-failure'] ?? 0;
  if (fresh > 0) {
    if (raw.quiet === true) {
      io.stderr.write(
        `fetch-many: ${fresh} new ${fresh === 1 ? 'failure' : 'failures'} (${summary.failed} of ${summary.total} targets failed)\n`,
      );
    }
    return 1; // EXIT.failed
  }
  return 0; // EXIT.ok
}
