/**
 * One pending wake-up, kept at the earliest time asked for: asking for a later one while an
 * earlier is due changes nothing. Used where requests wait for a rate limiter or a 429 pause.
 * Not unref'd: requests wait on it, and the run must not end (nor the process exit) under them.
 */
export class WakeUp {
  private timer: NodeJS.Timeout | null = null;
  private at = Infinity;

  constructor(private readonly onWake: () => void) {}

  /** Calls `onWake` in `ms`, or sooner if a wake-up is already due sooner. */
  in(ms: number): void {
    const at = performance.now() + ms;
    if (this.timer !== null) {
      // Already due by then (within a millisecond: timers are no finer): keep it.
      if (this.at <= at + 1) return;
      clearTimeout(this.timer);
    }
    this.at = at;
    // Rounded up: a timer that fires a fraction of a millisecond early would find nothing allowed yet.
    this.timer = setTimeout(() => {
      this.timer = null;
      this.at = Infinity;
      this.onWake();
    }, Math.ceil(ms));
  }

  stop(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
      this.at = Infinity;
    }
  }
}
