import type { Result, Target } from '../types.js';
import { Exchange, type Chain } from './exchange.js';
import type { Pool } from './pool.js';
import { isRedirect, nextHop } from './redirect.js';
import { acceptsStatus } from '../expect/check.js';
import { isRetryable, isRetryStatus, parseRetryAfter, retryWait } from './retry.js';

/** What the follow-ups need from the engine. */
export interface FollowUpHost {
  /** The target's final result. */
  report(result: Result): void;
  /** A retry whose delay has passed: queue it on its origin's pool like any request. */
  resubmit(next: Exchange): void;
  /** Drop a cached DNS failure, so a retry asks the resolver again. */
  forgetName(hostname: string): void;
}

export interface FollowUpOptions {
  follow: boolean;
  maxRedirects: number;
  retries: number;
  retryDelay: number;
  retryMaxDelay: number;
  retryAllMethods: boolean;
  /** A rate or retries are set: a 429 then pauses its origin. */
  paced: boolean;
}

/** A retry waiting for its delay: it holds no concurrency slot, only this timer. */
interface Sleeper {
  ex: Exchange;
  timer: NodeJS.Timeout;
}

/**
 * What a finished request leads to when redirects, retries or pacing are asked for: the next hop
 * of a redirect, a retry after a delay, a pause of its origin after a 429 — or nothing more, and
 * then its result is the target's. Each hop and each retry is a new exchange with its own
 * timeouts (they start when it leaves the queue, as any request's do).
 */
export class FollowUps {
  private readonly sleeping = new Set<Sleeper>();

  constructor(
    private readonly host: FollowUpHost,
    private readonly options: FollowUpOptions,
  ) {}

  /** Retries waiting for their delay; the run does not end while there are any. */
  get pending(): number {
    return this.sleeping.size;
  }

  /**
   * Called once per finished exchange. Returns the next hop of a redirect, to start now (it takes
   * the slot the finished request freed); otherwise reports the result or schedules a retry.
   */
  after(ex: Exchange, result: Result, pool: Pool, cancelled: boolean): Exchange | null {
    const status = result.status;
    if (this.options.paced && result.error === null && status !== null) this.paceOrigin(ex, status, pool);
    if (cancelled) {
      this.host.report(result);
      return null;
    }
    // An empty Location (nginx's `return 302;`) names nothing to follow: the 3xx is the final
    // answer, as with no Location at all (curl and browsers agree).
    const location = ex.location;
    if (this.options.follow && result.error === null && status !== null && location && isRedirect(status)) {
      return this.redirect(ex, result, status, location);
    }
    if (this.options.retries > 0 && this.mayRetry(ex, result)) {
      this.scheduleRetry(ex, result);
      return null;
    }
    this.host.report(result);
    return null;
  }

  /**
   * Whether a response with `status` will lead to another request — a redirect followed, a
   * retry — judged from its head, so that its body is not saved as the target's. The same
   * rules as {@link after}'s, before the body is known to complete.
   */
  continuesAfter(ex: Exchange, status: number): boolean {
    if (this.options.follow && ex.location !== null && isRedirect(status)) return true;
    return this.mayTryAgain(ex) && isRetryStatus(status) && !acceptsStatus(ex.expect, status);
  }

  /** Cancels every waiting retry, handing each to `report` with the reason. */
  cancelPending(report: (ex: Exchange, message: string) => void): void {
    for (const sleeper of this.sleeping) {
      clearTimeout(sleeper.timer);
      const attempts = sleeper.ex.chain?.attempts ?? 1;
      const made = `${attempts} ${attempts === 1 ? 'attempt' : 'attempts'} made`;
      report(sleeper.ex, `run cancelled while waiting to retry ${sleeper.ex.target.url} (${made})`);
    }
    this.sleeping.clear();
  }

  /**
   * A 429 pauses its origin (and halves its own rate); anything else from it ends a run of 429s
   * and lets its rate climb back towards the configured one.
   */
  private paceOrigin(ex: Exchange, status: number, pool: Pool): void {
    if (status !== 429) {
      pool.strikes = 0;
      pool.limiter?.recover(ex.start);
      return;
    }
    const { retryDelay, retryMaxDelay } = this.options;
    const asked = ex.retryAfter === null ? null : parseRetryAfter(ex.retryAfter, Date.now());
    // Without a usable Retry-After: the retry backoff's ceiling, doubling with each 429 in a row.
    const pauseMs = Math.min(retryMaxDelay, asked ?? retryDelay * 2 ** pool.strikes);
    pool.tooManyRequests(performance.now(), pauseMs, ex.start);
  }

  private chainOf(ex: Exchange): Chain {
    let chain = ex.chain;
    if (chain === null) {
      const t = ex.target;
      chain = { first: t, attempts: 1, redirects: [], requested: new Set([`${t.method} ${t.url}`]) };
      ex.chain = chain;
    }
    return chain;
  }

  private exchangeFor(target: Target, ex: Exchange, chain: Chain): Exchange {
    const next = new Exchange(target, ex.expect);
    next.chain = chain;
    next.inherit(ex);
    return next;
  }

  /** The next hop of a redirect, or null when the chain ends here in an error (reported now). */
  private redirect(ex: Exchange, result: Result, status: number, location: string): Exchange | null {
    const chain = this.chainOf(ex);
    const hop = nextHop(
      chain.first,
      ex.target,
      status,
      location,
      chain.redirects.length,
      this.options.maxRedirects,
      chain.requested,
    );
    if (!hop.ok) {
      result.ok = false;
      result.error = { code: hop.code, message: hop.message };
      this.host.report(result);
      return null;
    }
    chain.redirects.push({ status, url: ex.target.url });
    chain.requested.add(`${hop.target.method} ${hop.target.url}`);
    return this.exchangeFor(hop.target, ex, chain);
  }

  private mayRetry(ex: Exchange, result: Result): boolean {
    return this.mayTryAgain(ex) && isRetryable(result, ex.expect);
  }

  /** Retries are on, this target has attempts left, and its method may be retried. */
  private mayTryAgain(ex: Exchange): boolean {
    const attempts = ex.chain === null ? 1 : ex.chain.attempts;
    return (
      this.options.retries > 0 && attempts <= this.options.retries && (ex.idempotent || this.options.retryAllMethods)
    );
  }

  /**
   * Runs the same request again after the backoff (or the server's Retry-After). While it waits it
   * holds no concurrency slot — other targets take it — and no timeout runs; the run does not end
   * before it has run.
   */
  private scheduleRetry(ex: Exchange, result: Result): void {
    const chain = this.chainOf(ex);
    chain.retried ??= [];
    chain.retried.push({ status: result.status, error: result.error, failures: result.failures });
    const { retryDelay, retryMaxDelay } = this.options;
    const delay = retryWait(chain.attempts, result.status, ex.retryAfter, retryDelay, retryMaxDelay);
    const next = this.exchangeFor(ex.target, ex, chain);
    const forgetName = result.error?.code === 'dns';
    const sleeper: Sleeper = {
      ex: next,
      // Not unref'd: the run waits for it (cancelPending() clears it).
      timer: setTimeout(() => {
        this.sleeping.delete(sleeper);
        chain.attempts++;
        // Names are resolved once per run: without this the retry would get the cached failure.
        if (forgetName) this.host.forgetName(next.target.hostname);
        this.host.resubmit(next);
      }, delay),
    };
    this.sleeping.add(sleeper);
  }
}
