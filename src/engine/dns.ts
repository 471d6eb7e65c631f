import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';

/**
 * A name resolved for this run. Each host name is looked up once per run and reused by every
 * connection to it (issue 5: DNS per request was a measurable cost and, at high concurrency,
 * queued behind libuv's 4 threadpool slots).
 */
interface Entry {
  settled: boolean;
  addresses: LookupAddress[] | null;
  error: NodeJS.ErrnoException | null;
  waiters: Array<(entry: Entry) => void>;
}

export type LookupFn = (
  hostname: string,
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const systemLookup: LookupFn = (hostname, callback) => {
  dnsLookup(hostname, { all: true }, callback);
};

/** Names remembered at once (see evictOldest). */
export const MAX_NAMES = 10_000;

export class DnsCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly lookupFn: LookupFn = systemLookup) {}

  /**
   * Calls back synchronously (with `cached` true) when the answer is already known — an IP
   * literal, or a name resolved earlier in this run — so that such connections report no DNS phase.
   */
  resolve(
    hostname: string,
    callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[] | null, cached: boolean) => void,
  ): void {
    const family = isIP(hostname);
    if (family !== 0) {
      callback(null, [{ address: hostname, family }], true);
      return;
    }
    const entry = this.entries.get(hostname);
    if (entry?.settled) {
      callback(entry.error, entry.addresses, true);
      return;
    }
    if (entry !== undefined) {
      entry.waiters.push((e) => callback(e.error, e.addresses, false));
      return;
    }
    const created: Entry = { settled: false, addresses: null, error: null, waiters: [] };
    // Waiting before asking: a resolver may answer synchronously (tests hand in such ones).
    created.waiters.push((e) => callback(e.error, e.addresses, false));
    this.entries.set(hostname, created);
    if (this.entries.size > MAX_NAMES) this.evictOldest();
    this.lookupFn(hostname, (err, addresses) => {
      created.settled = true;
      if (err || addresses.length === 0) {
        created.error = err ?? Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' });
      } else {
        created.addresses = addresses;
      }
      const waiters = created.waiters;
      created.waiters = [];
      for (const waiter of waiters) waiter(created);
    });
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
    const entry = this.entries.get(hostname);
    if (entry?.settled === true && entry.error !== null) this.entries.delete(hostname);
  }
}
