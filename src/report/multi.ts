import type { Result } from '../types.js';
import type { Reporter } from './reporter.js';
import type { Summary } from './summary.js';

/**
 * Several reporters as one (e.g. a table on stdout and a JUnit file). `end()` waits for all of
 * them even when one fails, so a broken file does not cut the terminal output short, then
 * rejects with the first failure.
 */
export function combineReporters(reporters: readonly Reporter[]): Reporter {
  return {
    result(r: Result): void {
      for (const rep of reporters) rep.result(r);
    },
    gone(r: Result): void {
      for (const rep of reporters) rep.gone?.(r);
    },
    async end(summary: Summary): Promise<void> {
      const settled = await Promise.allSettled(reporters.map((rep) => rep.end(summary)));
      const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failure !== undefined) throw failure.reason;
    },
    ready(): Promise<void> | null {
      for (const rep of reporters) {
        const wait = rep.ready?.() ?? null;
        if (wait !== null) return wait;
      }
      return null;
    },
    async discard(): Promise<void> {
      await Promise.all(reporters.map((rep) => rep.discard?.()));
    },
  };
}
