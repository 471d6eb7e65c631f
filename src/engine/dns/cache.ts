import type { LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { dnsError } from './failure.js';

/**
 * Asks for a name's addresses. `ttl` (seconds) bounds how long the answer is reused; without it,
 * the answer lasts the run.
 */
export type LookupFn = (
  hostname: string,
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[], ttl?: number) => void,
) => void;

/** Answers known without asking anyone (hosts file, RFC 6761 names), or undefined. */
export type LocalFn = (hostname: string) => readonly LookupAddress[] | NodeJS.ErrnoException | undefined;

/** Told when a lookup has to wait for a free slot (true), and when it starts after all (false). */
export type QueuedFn = (queued: boolean) => void;

export type ResolvedFn = (
  err: NodeJS.ErrnoException | null,
  addresses: readonly LookupAddress[] | null,
  cached: boolean,
) => void;

/**
 * A name resolved for this run. Each host name is looked up once and reused by every connection
 * to it until its TTL runs out, rather than once per request.
 */
interface Entry {
  settled: boolean;
  addresses: readonly LookupAddress[] | null;
  error: NodeJS.ErrnoException | null;
  /** performance.now() after which the answer is asked for again. */
  expires: number;
  /** Waiting for a lookup slot: these are told when it starts. */
  queued: QueuedFn[] | null;
  waiters: Array<(entry: Entry) => void>;
}

/** Names remembered at once (see evictOldest). */
export const MAX_NAMES = 10_000;

export interface DnsCacheOptions {
  lookup: LookupFn;
  local?: LocalFn;
  /** Lookups in flight at once; the engine passes the run's `dnsConcurrency`. @default no cap */
  concurrency?: number;
  /**
   * A lookup unanswered this long gives its slot back and fails with ETIMEOUT (the resolver may
   * keep trying on its own). @default no limit
   */
  lookupTimeoutMs?: number;
  /** Stops whatever the resolver still has in flight, when the run ends. */
  close?: () => void;
}

export class DnsCache {
  private readonly entries = new Map<string, Entry>();
  private readonly lookupFn: LookupFn;
  private readonly local: LocalFn | undefined;
  private readonly concurrency: number;
  private readonly lookupTimeoutMs: number | undefined;
  private readonly onClose: (() => void) | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Lookups asked and not yet answered. */
  private running = 0;
  /** Lookups waiting for a slot, first come first served. */
  private readonly queue: Array<() => void> = [];

  constructor(options: DnsCacheOptions) {
    this.lookupFn = options.lookup;
    this.local = options.local;
    this.concurrency = options.concurrency ?? Infinity;
    this.lookupTimeoutMs = options.lookupTimeoutMs;
    this.onClose = options.close;
  }

  /** The run is over: nothing is waited for any more (a pending query must not hold the process). */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.queue.length = 0;
    this.onClose?.();
  }

  /**
   * Calls back synchronously (with `cached` true) when the answer is already known — an IP
   * literal, or a name resolved earlier in this run — so that such connections report no DNS
   * phase. `onQueued` hears when the lookup must first wait for a slot (the caller's clock stops:
   * that wait is queue time, not resolution) and when it starts.
   */
  resolve(hostname: string, callback: ResolvedFn, onQueued?: QueuedFn): void {
    const family = isIP(hostname);
    if (family !== 0) {
      callback(null, [{ address: hostname, family }], true);
      return;
    }
    const key = hostname.toLowerCase();
    let entry = this.entries.get(key);
    if (entry?.settled === true && entry.expires <= performance.now()) {
      this.entries.delete(key);
      entry = undefined;
    }
    if (entry?.settled) {
      callback(entry.error, entry.addresses, true);
      return;
    }
    if (entry !== undefined) {
      entry.waiters.push((e) => callback(e.error, e.addresses, false));
      if (entry.queued !== null && onQueued !== undefined) {
        entry.queued.push(onQueued);
        onQueued(true);
      }
      return;
    }
    const created: Entry = {
      settled: false,
      addresses: null,
      error: null,
      expires: Infinity,
      queued: null,
      waiters: [(e) => callback(e.error, e.addresses, false)],
    };
    const local = this.local?.(hostname);
    if (local !== undefined) {
      this.remember(key, created);
      this.settle(created, local instanceof Error ? local : null, local instanceof Error ? [] : local, undefined);
      return;
    }
    this.remember(key, created);
    const ask = (): void => {
      this.running++;
      let answered = false;
      let timer: NodeJS.Timeout | undefined;
      const answer = (err: NodeJS.ErrnoException | null, addresses: readonly LookupAddress[], ttl?: number): void => {
        if (answered) return;
        answered = true;
        if (timer !== undefined) {
          clearTimeout(timer);
          this.timers.delete(timer);
        }
        this.running--;
        this.settle(created, err, addresses, ttl);
        this.next();
      };
      if (this.lookupTimeoutMs !== undefined) {
        timer = setTimeout(() => answer(dnsError('ETIMEOUT', hostname), []), this.lookupTimeoutMs);
        timer.unref();
        this.timers.add(timer);
      }
      // Waiting before asking: a resolver may answer synchronously (tests hand in such ones).
      this.lookupFn(hostname, answer);
    };
    if (this.running < this.concurrency) {
      ask();
      return;
    }
    created.queued = onQueued === undefined ? [] : [onQueued];
    onQueued?.(true);
    this.queue.push(() => {
      const told = created.queued ?? [];
      created.queued = null;
      for (const fn of told) fn(false);
      ask();
    });
  }

  private next(): void {
    while (this.running < this.concurrency) {
      const start = this.queue.shift();
      if (start === undefined) return;
      start();
    }
  }

  private remember(key: string, entry: Entry): void {
    this.entries.set(key, entry);
    if (this.entries.size > MAX_NAMES) this.evictOldest();
  }

  private settle(
    entry: Entry,
    err: NodeJS.ErrnoException | null,
    addresses: readonly LookupAddress[],
    ttl: number | undefined,
  ): void {
    entry.settled = true;
    if (err !== null || addresses.length === 0) {
      entry.error = err ?? dnsError('ENOTFOUND', '');
    } else {
      entry.addresses = addresses;
      // RFC 1035 §3.2.1: an answer may be cached for its TTL, no longer.
      if (ttl !== undefined) entry.expires = performance.now() + ttl * 1000;
    }
    const waiters = entry.waiters;
    entry.waiters = [];
    for (const waiter of waiters) waiter(entry);
  }

  /**
   * A list of a million URLs over as many hosts must not keep a million answers: past
   * {@link MAX_NAMES}, the oldest settled answer goes (a later connection to it asks again).
   */
  private evictOldest(): void {
    for (const [name, entry] of this.entries) {
      if (entry.settled) {
        this.entries.delete(name);
        return;
      }
    }
  }

  /**
   * Drops a failed answer so the next connection to `hostname` asks again (a retry after a `dns`
   * error must not be answered from the cache that caused it). Answers still pending and
   * successful ones are kept.
   */
  forget(hostname: string): void {
    const key = hostname.toLowerCase();
    const entry = this.entries.get(key);
    if (entry?.settled === true && entry.error !== null) this.entries.delete(key);
  }
}
