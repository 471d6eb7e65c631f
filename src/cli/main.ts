import { type Command, CommanderError } from 'commander';
import { UsageError } from '../errors.js';
import { runTargets } from '../engine/run.js';
import { escapeControls } from '../controls.js';
import { errnoWords } from '../errno.js';
import { classifyArgument, type SourceSpec } from '../targets/read/sources.js';
import { readSelectedTargets } from '../targets/index.js';
import { GatedTargets } from './gated-targets.js';
import { runDemo } from '../demo/cli.js';
import type { PreparedTarget, Result } from '../types.js';
import { buildProgram, type RawOptions } from './program.js';
import { helpRequest } from './help.js';
import { VERSION } from '../version.js';
import { measureBodyFlags, resolveOptions, type CliConfig } from './options.js';
import { OutputDir } from '../engine/bodies/output-dir.js';
import { checkOutputPath } from './output-path.js';
import type { CliIO } from './io.js';
import { runMerge } from './merge.js';
import { joinPairFlags } from './pair-flags.js';
import { maskSecrets } from '../report/index.js';
import { CredentialSpread } from './unbound-credentials.js';
import { escapeData } from '../report/github.js';
import { countAhead } from './count-ahead.js';
import { createReporters, type ReportHistory, reportRedactor, type RunShape } from './reporters.js';
import { runDiff } from './diff.js';
import { loadBaseline, loadCache, loadState, saveCache, saveState } from './history.js';
import { RequestDigests } from '../history/request-digests.js';
import { tapTargets } from './tapped-targets.js';
import { unsentResult } from '../engine/unsent-result.js';
import { resolveSelection } from './selection.js';
import { refuseResumeOutput } from './resume-clash.js';
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
  const outcome: Outcome = { reported: false };
  try {
    const code = await runOrReport(argv, io, state, outcome);
    // A signal during the final flush still decides the exit code (the reports are whole). Only
    // then: 130/143 promise valid reports, so a run that ended in a usage error (`no
    // targets in the input`, a bad flag) before or while the signal came keeps its exit 2 and
    // its message, and one that stopped quietly for a reader that left keeps 141.
    return state.received === null || !outcome.reported ? code : signalExitCode(state.received);
  } finally {
    state.onSignal = null;
    own?.dispose();
  }
}

/** What main needs to know of how the run ended besides its exit code. */
interface Outcome {
  /** Every report was written whole (or the subcommand answers for its own exit code). */
  reported: boolean;
}

async function runOrReport(argv: string[], io: CliIO, signals: ProcessSignals, outcome: Outcome): Promise<number> {
  // Values target files read with `${env:…}`: every report and message shows them as ***.
  const secrets = new Set<string>();
  try {
    return await run(argv, io, signals, outcome, secrets);
  } catch (err) {
    if (err instanceof UsageError) {
      // Messages quote user values already; this is the last guard that keeps them one line.
      io.stderr.write(usageLine(io, escapeControls(maskSecrets(err.message, secrets))));
      return EXIT.usage;
    }
    if (err instanceof CommanderError) {
      // Help and --version "fail" with exit code 0; commander already printed its message.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    // A bug of ours: say so in one line, and keep the stack for whoever asks.
    const message = maskSecrets((err as Error)?.message ?? String(err), secrets);
    io.stderr.write(`fetch-many: internal error: ${escapeControls(message)}\n`);
    if (io.env.FETCH_MANY_DEBUG) io.stderr.write(`${maskSecrets((err as Error)?.stack ?? '', secrets)}\n`);
    return EXIT.usage;
  }
}

/**
 * The one line that says why the run could not start (exit 2). In GitHub Actions it is an
 * `::error` workflow command, so the reason shows as an annotation on the run, not only in the log.
 */
function usageLine(io: CliIO, message: string): string {
  if (io.env.GITHUB_ACTIONS === 'true') return `::error title=fetch-many::${escapeData(message)}\n`;
  return `fetch-many: ${message}\n`;
}

function helpWidth(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): number {
  if (stream.isTTY === true && stream.columns > 0) return stream.columns;
  const columns = Number(env.COLUMNS);
  return Number.isInteger(columns) && columns >= 40 ? columns : 80;
}

async function run(
  argv: string[],
  io: CliIO,
  signals: ProcessSignals,
  outcome: Outcome,
  secrets: Set<string>,
): Promise<number> {
  // Aborted by the first signal, whenever it came (before this was set, too).
  const interrupted = new AbortController();
  signals.onSignal = () => interrupted.abort();
  if (signals.received !== null) interrupted.abort();
  // `fetch-many demo …`: the demo server, for a first run and for the examples (a host named
  // "demo" is still reachable as http://demo/). --serve runs until the first signal.
  if (argv[0] === 'demo') {
    outcome.reported = true;
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
      // Commander quotes the user's value as is; escape it so the line stays one line.
      outputError: (s, write) =>
        write(
          usageLine(
            io,
            `${escapeControls(
              s
                .replace(/^error: /, '')
                .trimEnd()
                // Commander's own second line, a suggestion: keep it on this line.
                .replace(/\n\(Did you mean /g, ' (did you mean '),
            )} (see --help)`,
          ),
        ),
    });
  // A subcommand by its first word only: `fetch-many merge` never takes targets, and a host
  // named "merge" can still be fetched as http://merge. A signal stops it (main exits 130/143).
  if (argv[0] === 'merge') {
    outcome.reported = true;
    return runMerge(argv.slice(1), io, configure, interrupted.signal);
  }
  if (argv[0] === 'diff') {
    outcome.reported = true;
    return runDiff(argv.slice(1), io, configure, interrupted.signal);
  }
  // `fetch-many help [topic]`, `--help [topic|all]`, `fetch-many version`: what a person means
  // by them, not hosts named help or version (http://help still is one).
  if (argv[0] === 'help' && (argv[1] === 'merge' || argv[1] === 'diff' || argv[1] === 'demo')) {
    if (argv[1] === 'diff') return runDiff(['--help'], io, configure, interrupted.signal);
    return argv[1] === 'merge'
      ? runMerge(['--help'], io, configure, interrupted.signal)
      : runDemo(['--help'], io, (rest) => main(rest, io, signals), Promise.resolve());
  }
  if (argv[0] === 'version' && argv.length === 1) {
    io.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  const view = helpRequest(argv);
  if (view !== null) {
    const width = helpWidth(io.stdout, io.env);
    configure(buildProgram(view, width)).outputHelp();
    return EXIT.ok;
  }
  const program = configure(buildProgram());
  program.parse(joinPairFlags(argv), { from: 'user' });
  const raw = program.opts<RawOptions>();
  const config = resolveOptions(raw, io.env, io.stdout.isTTY === true);
  if (config.resume !== undefined) {
    refuseResumeOutput(config.resume, [
      { what: 'stdout', stream: io.stdout },
      { what: 'stderr', stream: io.stderr },
      ...(config.junit === undefined ? [] : [{ what: '--junit', path: config.junit }]),
    ]);
  }
  await measureBodyFlags(config);
  if (config.junit !== undefined) {
    await checkOutputPath(config.junit, '--junit');
    const junit = config.junit;
    // A second signal exits at once: no report then, but no stray temp file either.
    signals.beforeExit = () => removeTempReports(junit);
  }
  // Before reading targets or starting reporters: a directory that cannot be used is a usage error.
  // A signal meanwhile stops the creation (bounded anyway, see makeDirs): empty reports follow.
  if (config.run.outputDir !== undefined) {
    const dir = new OutputDir(config.run.outputDir);
    await untilAborted(dir.prepare(interrupted.signal), interrupted.signal);
  }

  const specs: SourceSpec[] = program.args.map((arg) => classifyArgument(arg));
  if (specs.length === 0 && !hasInputs(config.inputs)) {
    if (io.stdin.isTTY === true) {
      throw new UsageError('no targets: give URLs or a target file, or pipe targets on stdin (see --help)');
    }
    specs.push({ kind: 'stdin' });
  }
  if (specs.filter((s) => s.kind === 'stdin').length > 1) throw new UsageError('stdin (-) can be given only once');
  // --sitemap, --links, --crawl: after the targets given as arguments.
  const argSpecs = [...specs];
  const inputs = await inputSources(config, interrupted.signal);
  specs.push(...inputs.specs);
  // `fetch-many -` at a terminal waits for typing: say so, or it looks hung.
  const typedInput = io.stdin.isTTY === true && specs.some((s) => s.kind === 'stdin');
  if (typedInput && !config.quiet)
    io.stderr.write('fetch-many: reading targets from the terminal, one per line; end with Ctrl-D\n');

  // Opening reads stdin up to its first line, which may never come: a signal meanwhile runs no
  // target, and still writes every report (empty) and exits 130/143.
  const selection = await resolveSelection(config.shard, config.resume, reportRedactor(config, secrets));
  const history: ReportHistory = {};
  if (config.baseline !== undefined) history.baseline = await loadBaseline(config.baseline, '--baseline');
  if (config.cache !== undefined) {
    await checkOutputPath(config.cache, '--cache');
    history.cache = await loadCache(config.cache, config.cacheMaxAge);
    const cache = config.cache;
    const before = signals.beforeExit;
    signals.beforeExit = () => {
      before?.();
      removeTempReports(cache);
    };
  }
  if (config.openmetrics !== undefined) {
    await checkOutputPath(config.openmetrics, '--openmetrics');
    const file = config.openmetrics;
    const before = signals.beforeExit;
    signals.beforeExit = () => {
      before?.();
      removeTempReports(file);
    };
  }
  if (config.state !== undefined) {
    await checkOutputPath(config.state, '--state');
    history.state = await loadState(config.state);
    const state = config.state;
    const before = signals.beforeExit;
    // A second signal exits at once: the old state stays, and no temp file of the new one.
    signals.beforeExit = () => {
      before?.();
      removeTempReports(state);
    };
  }
  if (config.every !== undefined) {
    if (specs.some((s) => s.kind === 'stdin')) {
      throw new UsageError('--every reads the list again each round: give a file or URLs, not stdin');
    }
    return runRounds(config.every, { args: argSpecs, first: inputs }, selection, config, io, interrupted.signal, {
      history,
      outcome,
      secrets,
    });
  }
  const selected = await untilAborted(
    readSelectedTargets(specs, config.defaults, io.stdin, selection, { env: io.env, secrets }),
    interrupted.signal,
  );
  if (config.inputs.list) {
    const errors = await listTargets(selected?.targets ?? noTargets(), io);
    if (interrupted.signal.aborted) return EXIT.sigint;
    return errors > 0 ? EXIT.failed : EXIT.ok;
  }
  const shape: RunShape = {
    knownTargets: specs.flatMap((s) => (s.kind === 'arg' ? [s.value] : [])),
    targetsRead: () => selected?.read ?? 0,
    typedInput,
  };
  return execute(
    selected?.targets ?? noTargets(),
    () => selected?.read ?? 0,
    config,
    io,
    interrupted.signal,
    { shape, specs },
    outcome,
    secrets,
    history,
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

/**
 * `--every DUR`: the run again and again, a round starting every DUR (at once when the last one
 * took longer), until a signal. Each round reads the list afresh and writes its reports (the
 * summary line, --openmetrics, --junit, --state, --cache) as a run does; a round a signal cuts
 * short writes none of them, so the files keep the last complete round. Exit 130/143.
 * `--sitemap`, `--links` and `--crawl` are read anew each round (their sources are read once
 * each): the first round takes the ones main made, later rounds make their own.
 */
async function runRounds(
  every: number,
  sources: { args: readonly SourceSpec[]; first: Awaited<ReturnType<typeof inputSources>> },
  selection: Awaited<ReturnType<typeof resolveSelection>>,
  config: CliConfig,
  io: CliIO,
  interrupted: AbortSignal,
  run: { history: ReportHistory; outcome: Outcome; secrets: Set<string> },
): Promise<number> {
  const { history, outcome, secrets } = run;
  for (let round = 0; ; round++) {
    const started = performance.now();
    const inputs = round === 0 ? sources.first : await inputSources(config, interrupted);
    const specs = [...sources.args, ...inputs.specs];
    history.baseline?.beginRound();
    history.state?.beginRound();
    history.cache?.beginRound();
    const selected = await untilAborted(
      readSelectedTargets(specs, config.defaults, io.stdin, selection, { env: io.env, secrets }),
      interrupted,
    );
    const code = await execute(
      selected?.targets ?? noTargets(),
      () => selected?.read ?? 0,
      config,
      io,
      interrupted,
      { shape: {}, specs },
      outcome,
      secrets,
      history,
      inputs.crawler,
    );
    if (interrupted.aborted) return EXIT.sigint;
    if (code === EXIT.usage) return code;
    const wait = every - (performance.now() - started);
    if (wait > 0 && !(await sleep(wait, interrupted))) return EXIT.sigint;
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

async function execute(
  targets: AsyncIterable<PreparedTarget>,
  /** Targets read from the input so far, this process's or not (--shard, --resume). */
  read: () => number,
  config: CliConfig,
  io: CliIO,
  interrupted: AbortSignal,
  input: { shape: RunShape; specs: readonly SourceSpec[] },
  outcome: Outcome,
  secrets: ReadonlySet<string>,
  history: ReportHistory,
  /** `--crawl`: sees every result, and reads the pages it crawls as they arrive. */
  crawler: Crawler | null = null,
): Promise<number> {
  const reporters = await createReporters(config, io, { shape: input.shape, signal: interrupted, secrets, history });
  const digests = new RequestDigests();
  // The bar's total and the table's choice to count ok rows need the number of targets before
  // the engine has taken them all: count them ahead where the input can be read twice.
  const stopCounting =
    config.resume === undefined && !config.quiet && (io.stdout.isTTY === true || io.stderr.isTTY === true)
      ? (countAhead(input.specs, config.shard, (n, final) => reporters.setTotal(n, final)) ?? (() => {}))
      : () => {};
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

  const spread = new CredentialSpread(config.unboundCredentials);
  let failed = 0;
  let flaky = 0;
  const onResult = (result: Result): void => {
    if (!result.ok) failed++;
    else if (result.flaky === true) flaky++;
    digests.attach(result);
    reporters.result(result);
    crawler?.onResult(result);
  };
  const cache = history.cache;
  const redact = cache === undefined ? null : reportRedactor(config, secrets);
  const counted = new GatedTargets(
    tapTargets(targets, (t) => {
      if (cache !== undefined && redact !== null && 'url' in t) {
        // Looked up as its result would be written (redacted), so the keys match.
        const probe: Result = { ...unsentResult(t.index, t.input, null), url: t.url, method: t.method };
        const digest = digests.of(t);
        if (digest !== undefined) probe.requestBodySha256 = digest;
        const earlier = cache.fresh(redact(probe));
        if (earlier !== null) {
          const { name: _, change: __, ...rest } = earlier;
          const reused: Result = { ...rest, index: t.index, input: t.input, cached: true };
          if (t.name !== undefined) reused.name = t.name;
          onResult(reused);
          return false;
        }
      }
      digests.see(t);
      return true;
    }),
    () => reporters.ready(),
    (count) => reporters.setTotal(count),
    spread.active ? (target) => spread.see(target) : undefined,
  );

  const started = performance.now();
  try {
    await runTargets(
      counted,
      config.run,
      onResult,
      crawler === null ? { signal: controller.signal } : { signal: controller.signal, bodySinks: crawler.bodySinks },
    );
  } finally {
    stopCounting();
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
  if (signalled && config.every !== undefined) {
    // A round cut short: its files keep the last complete round (runRounds exits 130/143).
    await reporters.abandon();
    return EXIT.sigint;
  }
  if (readerGone && !signalled) {
    // Cut short because the reader left: say nothing (a summary counting the targets we
    // cancelled ourselves would read as failures) and exit as SIGPIPE would (128 + 13).
    await reporters.abandon();
    return EXIT.sigpipe;
  }
  // Baseline targets this run did not have — unless the run stopped early, when the targets it
  // never read would all look gone.
  if (!signalled && readError === null) await reporters.listGone(interrupted);
  let summary: Awaited<ReturnType<typeof reporters.end>>;
  try {
    summary = await reporters.end(wallMs);
  } catch (err) {
    // A report that cannot be written (disk full, file removed) is the run's failure to report,
    // not a bug: one line, exit 2.
    throw new UsageError(`cannot write the report: ${errnoWords(err)}`, { cause: err });
  }
  outcome.reported = true;
  io.onSummary?.(summary);
  // Said once, at the end, when every origin is known (docs/ci.md, "Secrets"), and after the
  // progress line is gone.
  if (!config.quiet) {
    for (const line of spread.warnings()) io.stderr.write(`fetch-many: warning: ${maskSecrets(line, secrets)}\n`);
  }
  // Also after a signal or a broken input: what was checked is counted, the rest kept as it was.
  if (history.state !== undefined) await saveState(history.state);
  if (history.cache !== undefined) await saveCache(history.cache);
  if (readError !== null) {
    io.stderr.write(usageLine(io, escapeControls(maskSecrets(readError.message, secrets))));
    return EXIT.usage;
  }
  // A signal's exit code is decided by main, which also sees one that comes after this line.
  if (signalled) return EXIT.sigint;
  if (config.failAfter !== undefined && history.state !== undefined) {
    // Only targets failing this many runs in a row decide (a flaky one failing once does not).
    const n = config.failAfter;
    const over = history.state.failingFor(n);
    if (over.count === 0) return EXIT.ok;
    const list = over.first.map((t) => escapeControls(t)).join(', ') + (over.count > over.first.length ? ', …' : '');
    io.stderr.write(
      `fetch-many: ${over.count} ${over.count === 1 ? 'target has' : 'targets have'} failed ${n} runs in a row: ${list}\n`,
    );
    return EXIT.failed;
  }
  if (config.failOn === 'new') {
    // Only what broke since the baseline decides (known breakage does not fail a pull request).
    const fresh = summary.changes?.['new-failure'] ?? 0;
    if (fresh === 0) return EXIT.ok;
    if (config.quiet)
      io.stderr.write(
        `fetch-many: ${fresh} new ${fresh === 1 ? 'failure' : 'failures'} (${summary.failed} of ${summary.total} targets failed)\n`,
      );
    return EXIT.failed;
  }
  if (failed > 0) {
    if (config.quiet) io.stderr.write(`fetch-many: ${summary.failed} of ${summary.total} targets failed\n`);
    return EXIT.failed;
  }
  if (flaky > 0 && config.failOnFlaky) {
    io.stderr.write(
      `fetch-many: ${flaky} ${flaky === 1 ? 'target was' : 'targets were'} flaky (ok only after retries; --fail-on-flaky)\n`,
    );
    return EXIT.failed;
  }
  return EXIT.ok;
}
