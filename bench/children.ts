import type { ChildProcess } from 'node:child_process';

/**
 * Every process the benchmark starts is registered here, so that a normal end, an error or
 * Ctrl-C stops each of them by its own pid and nothing is left listening or loading.
 *
 * Measured commands run detached (their own process group) because `/usr/bin/time` does not
 * forward signals to the command it waits for: killing the group led by our child's pid is the
 * only way to reach that grandchild.
 */
const live = new Map<number, { child: ChildProcess; group: boolean; stopSignal: NodeJS.Signals }>();

export function track(child: ChildProcess, opts: { group: boolean; stopSignal?: NodeJS.Signals }): void {
  const pid = child.pid;
  if (pid === undefined) return;
  live.set(pid, { child, group: opts.group, stopSignal: opts.stopSignal ?? 'SIGTERM' });
  child.once('exit', () => live.delete(pid));
}

/** Sends `signal` to one tracked child (its group when it leads one). Ignores a child already gone. */
export function signalChild(pid: number, signal: NodeJS.Signals): void {
  const entry = live.get(pid);
  const target = entry?.group === true ? -pid : pid;
  try {
    process.kill(target, signal);
  } catch {
    // ESRCH: it exited between our check and the signal; nothing left to stop.
  }
}

/**
 * Stops one tracked child with SIGTERM (SIGKILL if it is still there 3 s later) and resolves once it
 * has exited; at once for a child already gone. The servers' `stop()` (nginx, h2o, never-answer).
 */
export async function stopChild(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signalChild(pid, 'SIGTERM');
  const timer = setTimeout(() => signalChild(pid, 'SIGKILL'), 3000);
  await gone;
  clearTimeout(timer);
}

/** Stops every child still running, each with its own stop signal. Synchronous: safe in 'exit'. */
export function stopAll(signal?: NodeJS.Signals): void {
  for (const [pid, entry] of live) {
    signalChild(pid, signal ?? entry.stopSignal);
  }
}

let installed = false;
let interrupted = false;

/** True once SIGINT/SIGTERM arrived: no new command may start. */
export function isInterrupted(): boolean {
  return interrupted;
}

/**
 * On SIGINT/SIGTERM stop the children and leave with the conventional 128+n status; on any
 * exit (including an uncaught error) SIGKILL whatever is still around.
 */
export function installCleanup(): void {
  if (installed) return;
  installed = true;
  const onSignal = (signal: NodeJS.Signals, code: number) => () => {
    interrupted = true;
    process.stderr.write(`\nbench: ${signal}, stopping ${live.size} child process(es)\n`);
    stopAll();
    // Give nginx a moment to exit on SIGQUIT/SIGTERM, then make sure.
    setTimeout(() => {
      stopAll('SIGKILL');
      process.exit(code);
    }, 500);
  };
  process.once('SIGINT', onSignal('SIGINT', 130));
  process.once('SIGTERM', onSignal('SIGTERM', 143));
  process.once('exit', () => stopAll('SIGKILL'));
}
