import { readdirSync, realpathSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

/** The signals that stop a run: Ctrl-C, and what CI runners and `timeout(1)` send. */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/** 128 + the signal's number, as a shell reports a process the signal killed. */
export function signalExitCode(signal: StopSignal): number {
  return signal === 'SIGINT' ? 130 : 143;
}

/**
 * The SIGINT/SIGTERM state of the process. `bin/fetch-many.js` creates it on its first line,
 * before anything is loaded, and installs the only handlers; {@link listenForSignals} does the
 * same for callers of `main()` that did not come through the bin script. The protocol:
 * - the first signal sets `received` and calls `onSignal` (once the CLI has set it; a signal
 *   that came earlier is seen in `received`). The CLI then stops the run and still writes every
 *   report, whole and valid, and exits 130 or 143 — however long the last flush takes;
 * - a second signal calls `beforeExit` (synchronous: remove temp files) and exits at once.
 */
export interface ProcessSignals {
  received: StopSignal | null;
  onSignal: ((signal: StopSignal) => void) | null;
  beforeExit: (() => void) | null;
}

/** Installs the handlers `bin/fetch-many.js` installs (see {@link ProcessSignals}); `dispose` removes them. */
export function listenForSignals(): { signals: ProcessSignals; dispose(): void } {
  const signals: ProcessSignals = { received: null, onSignal: null, beforeExit: null };
  const handle = (signal: StopSignal): void => {
    if (signals.received !== null) {
      try {
        signals.beforeExit?.();
      } finally {
        process.exit(signalExitCode(signal));
      }
    }
    signals.received = signal;
    signals.onSignal?.(signal);
  };
  const onInt = (): void => handle('SIGINT');
  const onTerm = (): void => handle('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    signals,
    dispose() {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}

/**
 * Removes, synchronously, the temp files this process started for the report at `path` — for
 * the exit a second signal forces, when no promise will run again. Relies on the report writer's
 * naming: `.<name>.<pid>.<random>.tmp`, in the folder of `path` (or of the file a symlink at
 * `path` points to) or in the OS temp folder (for a FIFO or device, written directly). The pid
 * makes sure no other process's file is touched. Never throws.
 */
export function removeTempReports(path: string): void {
  const places = new Set<string>();
  const add = (file: string): void => {
    places.add(join(dirname(file), `.${basename(file)}.${process.pid}.`));
    places.add(join(tmpdir(), `.${basename(file)}.${process.pid}.`));
  };
  add(path);
  try {
    add(realpathSync(path));
  } catch {
    // Not there yet: only the path itself can have a temp file beside it.
  }
  const byFolder = new Map<string, string[]>();
  for (const prefix of places) {
    const folder = dirname(prefix);
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), basename(prefix)]);
  }
  for (const [folder, prefixes] of byFolder) {
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!name.endsWith('.tmp') || !prefixes.some((p) => name.startsWith(p))) continue;
      try {
        unlinkSync(join(folder, name));
      } catch {
        // Gone already, or not ours to remove: nothing better to do on the way out.
      }
    }
  }
}
