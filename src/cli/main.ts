import { CommanderError } from 'commander';
import { UsageError } from '../errors.js';
import { runTargets } from '../engine/run.js';
import { escapeControls } from '../targets/describe.js';
import { errnoWords } from '../targets/errno.js';
import { classifyArgument, type SourceSpec } from '../targets/sources.js';
import { readTargets } from '../targets/index.js';
import type { PreparedTarget, Result } from '../types.js';
import { buildProgram, type RawOptions } from './program.js';
import { resolveOptions, type CliConfig } from './options.js';
import { checkOutputPath } from './output-path.js';
import { createReporters } from './reporters.js';

export interface CliIO {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

const defaultIO = (): CliIO => ({
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});

/** Exit codes: the only place that decides them. */
export const EXIT = { ok: 0, failed: 1, usage: 2, sigint: 130, sigpipe: 141, sigterm: 143 } as const;

/** Parses argv, runs, reports. Resolves to the exit code; never throws for user errors. */
export async function main(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  try {
    return await run(argv, io);
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

async function run(argv: string[], io: CliIO): Promise<number> {
  const program = buildProgram()
    .exitOverride()
    .configureOutput({
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
  program.parse(argv, { from: 'user' });
  const raw = program.opts<RawOptions>();
  const config = resolveOptions(raw, io.env, io.stdout.isTTY === true);
  if (config.junit !== undefined) await checkOutputPath(config.junit, '--junit');

  const specs: SourceSpec[] = program.args.map((arg) => classifyArgument(arg));
  if (specs.length === 0) {
    if (io.stdin.isTTY === true) {
      throw new UsageError('no targets: give URLs or a target file, or pipe targets on stdin (see --help)');
    }
    specs.push({ kind: 'stdin' });
  }
  if (specs.filter((s) => s.kind === 'stdin').length > 1) throw new UsageError('stdin (-) can be given only once');

  const targets = await readTargets(specs, config.defaults, io.stdin);
  return execute(targets, config, io);
}

async function execute(targets: AsyncIterable<PreparedTarget>, config: CliConfig, io: CliIO): Promise<number> {
  const reporters = await createReporters(config, io);
  const controller = new AbortController();
  let signalled: 'SIGINT' | 'SIGTERM' | null = null;
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
    if (signalled !== null) process.exit(signal === 'SIGINT' ? EXIT.sigint : EXIT.sigterm); // a second one: leave now
    signalled = signal;
    controller.abort();
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
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

  let count = 0;
  const counted = (async function* () {
    for await (const t of targets) {
      count++;
      yield t;
    }
    reporters.setTotal(count);
  })();

  const started = performance.now();
  let failed = 0;
  try {
    await runTargets(
      counted,
      config.run,
      (result: Result) => {
        if (!result.ok) failed++;
        reporters.result(result);
      },
      { signal: controller.signal, gate: () => reporters.ready() },
    );
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    io.stdout.off('error', onStdoutError);
  }
  const wallMs = performance.now() - started;
  if (count === 0 && signalled === null) {
    await reporters.abandon();
    throw new UsageError('no targets in the input');
  }
  if (readerGone && signalled === null) {
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
  if (signalled !== null) return signalled === 'SIGINT' ? EXIT.sigint : EXIT.sigterm;
  if (failed > 0) {
    if (config.quiet) io.stderr.write(`fetch-many: ${summary.failed} of ${summary.total} targets failed\n`);
    return EXIT.failed;
  }
  return EXIT.ok;
}
