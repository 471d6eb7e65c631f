import { type Command, CommanderError } from 'commander';
import { UsageError } from '../errors.js';
import { runTargets } from '../engine/run.js';
import { escapeControls } from '../controls.js';
import { errnoWords } from '../errno.js';
import { classifyArgument, type SourceSpec } from '../targets/sources.js';
import { readSelectedTargets } from '../targets/index.js';
import { GatedTargets } from './gated-targets.js';
import { runDemo } from '../demo/cli.js';
import type { PreparedTarget, Result } from '../types.js';
import { buildProgram, type RawOptions } from './program.js';
import { resolveOptions, type CliConfig } from './options.js';
import { OutputDir } from '../engine/output-dir.js';
import { checkOutputPath } from './output-path.js';
import type { CliIO } from './io.js';
import { runMerge } from './merge.js';
import { createReporters, reportRedactor } from './reporters.js';
import { resolveSelection } from './selection.js';
import { inputSources, listTargets } from './inputs.js';
import { hasInputs } from './input-options.js';
import type { Crawler } from '../inputs/crawl.js';
import { listenForSignals, type ProcessSignals, removeTempReports, signalExitCode } from './signals.js';

export type { CliIO } from './io.js';

const defaultIO = (): CliIO => ({
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});

/** Exit codes: the only place that decides them. */
export const EXIT = { ok: 0, failed: 1, usage: 2, sigint: 130, sigpipe: 141, sigterm: 143 } as const;

/**
 * Parses argv, runs, reports. Resolves to the exit code; never throws for user errors.
 *
 * `signals`: the SIGINT/SIGTERM state `bin/fetch-many.js` set up before loading this (so a
 * signal during startup is not lost). Without it, main installs the same handlers for its
 * duration. A first signal, at any moment until main resolves, ends the run with every report
 * written whole, and the exit code 130/143; a second one exits at once.
 */
export async function main(argv: string[], io: CliIO = defaultIO(), signals?: ProcessSignals): Promise<number> {
  const own = signals === undefined ? listenForSignals() : null;
  const state = signals ?? (own as ReturnType<typeof listenForSignals>).signals;
  try {
    const code = await runOrReport(argv, io, state);
    // A signal during the final flush still decides the exit code (the reports are whole).
    return state.received === null ? code : signalExitCode(state.received);
  } finally {
    state.onSignal = null;
    own?.dispose();
  }
}

async function runOrReport(argv: string[], io: CliIO, signals: ProcessSignals): Promise<number> {
  try {
    return await run(argv, io, signals);
  } catch (err) {
    if (err instanceof UsageError) {
      // Messages quote user values already; this is the last guard that keeps them one line.
      io.stderr.write(`fetch-many: ${escapeControls(err.message)}\n`);
      return EXIT.usage;
    }
    if (err instanceof CommanderError) {
      // Help and --version "fail" with exit code 0; commander already printed its message.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    // A bug of ours: say so in one line, and keep the stack for whoever asks.
    io.stderr.write(`fetch-many: internal error: ${escapeControls((err as Error)?.message ?? String(err))}\n`);
    if (io.env.FETCH_MANY_DEBUG) io.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
    return EXIT.usage;
  }
}

function helpWidth(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): number {
  if (stream.isTTY === true && stream.columns > 0) return stream.columns;
  const columns = Number(env.COLUMNS);
  return Number.isInteger(columns) && columns >= 40 ? columns : 80;
}

async function run(argv: string[], io: CliIO, signals: ProcessSignals): Promise<number> {
  // Aborted by the first signal, whenever it came (before this was set, too).
  const interrupted = new AbortController();
  signals.onSignal = () => interrupted.abort();
  if (signals.received !== null) interrupted.abort();
  // `fetch-many demo …`: the demo server, for a first run and for the examples (a host named
  // "demo" is still reachable as http://demo/). --serve runs until the first signal.
  if (argv[0] === 'demo') {
    const stopped = new Promise<void>((resolve) => {
      if (interrupted.signal.aborted) resolve();
      else interrupted.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    return runDemo(argv.slice(1), io, (rest) => main(rest, io, signals), stopped);
  }

  const configure = (command: Command): Command =>
    command.exitOverride().configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // Piped help (`--help | less`) wraps to COLUMNS when set, as on a terminal.
      getOutHelpWidth: () => helpWidth(io.stdout, io.env),
      getErrHelpWidth: () => helpWidth(io.stderr, io.env),
      // One line, no usage dump: the error names what was wrong.
      // Commander quotes the user's value as is; escape it so the line stays one line (issue 12).
      outputError: (s, write) =>
        write(
          `fetch-many: ${escapeControls(
            s
              .replace(/^error: /, '')
              .trimEnd()
              // Commander's own second line, a suggestion: keep it on this line.
              .replace(/\n\(Did you mean /g, ' (did you mean '),
          )} (see --help)\n`,
        ),
    });
  // A subcommand by its first word only: `fetch-many merge` never takes targets, and a host
  // named "merge" can still be fetched as http://merge. A signal stops it (main exits 130/143).
  if (argv[0] === 'merge') return runMerge(argv.slice(1), io, configure, interrupted.signal);
  const program = configure(buildProgram());
  program.parse(argv, { from: 'user' });
  const raw = program.opts<RawOptions>();
  const config = resolveOptions(raw, io.env, io.stdout.isTTY === true);
  if (config.junit !== undefined) {
    await checkOutputPath(config.junit, '--junit');
    const junit = config.junit;
    // A second signal exits at once: no report then, but no stray temp file either.
    signals.beforeExit = () => removeTempReports(junit);
  }
  // Before reading targets or starting reporters: a directory that cannot be used is a usage error.
  if (config.run.outputDir !== undefined) await new OutputDir(config.run.outputDir).prepare();

  const specs: SourceSpec[] = program.args.map((arg) => classifyArgument(arg));
  if (specs.length === 0 && !hasInputs(config.inputs)) {
    if (io.stdin.isTTY === true) {
      throw new UsageError('no targets: give URLs or a target file, or pipe targets on stdin (see --help)');
    }
    specs.push({ kind: 'stdin' });
  }
  if (specs.filter((s) => s.kind === 'stdin').length > 1) throw new UsageError('stdin (-) can be given only once');
  // --sitemap, --links, --crawl: after the targets given as arguments.
  const inputs = await inputSources(config, interrupted.signal);
  specs.push(...inputs.specs);

  // Opening reads stdin up to its first line, which may never come: a signal meanwhile runs no
  // target, and still writes every report (empty) and exits 130/143.
  const selection = await resolveSelection(config.shard, config.resume, reportRedactor(config));
  const selected = await untilAborted(
    readSelectedTargets(specs, config.defaults, io.stdin, selection),
    interrupted.signal,
  );
  if (config.inputs.list) {
    const errors = await listTargets(selected?.targets ?? noTargets(), io);
    if (interrupted.signal.aborted) return EXIT.sigint;
    return errors > 0 ? EXIT.failed : EXIT.ok;
  }
  return execute(
    selected?.targets ?? noTargets(),
    () => selected?.read ?? 0,
    config,
    io,
    interrupted.signal,
    inputs.crawler,
  );
}

/** `promise`, or null as soon as `signal` aborts (a rejection after that is dropped). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | null> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.resolve(null);
  }
  return new Promise<T | null>((resolve, reject) => {
    const onAbort = () => {
      promise.catch(() => {});
      resolve(null);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

async function* noTargets(): AsyncGenerator<PreparedTarget> {}

async function execute(
  targets: AsyncIterable<PreparedTarget>,
  /** Targets read from the input so far, this process's or not (--shard, --resume). */
  read: () => number,
  config: CliConfig,
  io: CliIO,
  interrupted: AbortSignal,
  /** `--crawl`: sees every result, and reads the pages it crawls as they arrive. */
  crawler: Crawler | null = null,
): Promise<number> {
  const reporters = await createReporters(config, io);
  const controller = new AbortController();
  const onInterrupt = () => controller.abort();
  if (interrupted.aborted) controller.abort();
  else interrupted.addEventListener('abort', onInterrupt, { once: true });
  // `fetch-many … --ndjson | head -1`: once stdout's reader is gone nothing more can be shown,
  // so stop fetching instead of finishing a long list for nobody — unless a --junit file still
  // wants every result. (Reporters already swallow the EPIPE itself; this only ends the run.)
  let readerGone = false;
  const onStdoutError = (err: NodeJS.ErrnoException) => {
    if (readerGone || config.junit !== undefined) return;
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') return;
    readerGone = true;
    controller.abort();
  };
  io.stdout.on('error', onStdoutError);

  const counted = new GatedTargets(
    targets[Symbol.asyncIterator](),
    () => reporters.ready(),
    (count) => reporters.setTotal(count),
  );

  const started = performance.now();
  let failed = 0;
  try {
    await runTargets(
      counted,
      config.run,
      (result: Result) => {
        if (!result.ok) failed++;
        reporters.result(result);
        crawler?.onResult(result);
      },
      crawler === null ? { signal: controller.signal } : { signal: controller.signal, bodySinks: crawler.bodySinks },
    );
  } finally {
    // The signal handlers stay: a signal during the final flush below must not cut it short.
    interrupted.removeEventListener('abort', onInterrupt);
    io.stdout.off('error', onStdoutError);
  }
  const wallMs = performance.now() - started;
  const signalled = interrupted.aborted;
  // An empty input is a usage error; a shard or a resumed run left with nothing to do is not.
  const readError = counted.readError;
  if (read() === 0 && !signalled && readError === null) {
    await reporters.abandon();
    throw new UsageError('no targets in the input');
  }
  if (readerGone && !signalled) {
    // Cut short because the reader left: say nothing (a summary counting the targets we
    // cancelled ourselves would read as failures) and exit as SIGPIPE would (128 + 13).
    await reporters.abandon();
    return EXIT.sigpipe;
  }
  let summary: Awaited<ReturnType<typeof reporters.end>>;
  try {
    summary = await reporters.end(wallMs);
  } catch (err) {
    // A report that cannot be written (disk full, file removed) is the run's failure to report,
    // not a bug: one line, exit 2.
    throw new UsageError(`cannot write the report: ${errnoWords(err)}`, { cause: err });
  }
  if (readError !== null) {
    io.stderr.write(`fetch-many: ${escapeControls(readError.message)}\n`);
    return EXIT.usage;
  }
  // A signal's exit code is decided by main, which also sees one that comes after this line.
  if (signalled) return EXIT.sigint;
  if (failed > 0) {
    if (config.quiet) io.stderr.write(`fetch-many: ${summary.failed} of ${summary.total} targets failed\n`);
    return EXIT.failed;
  }
  return EXIT.ok;
}
