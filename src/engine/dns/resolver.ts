import { type LookupAddress, Resolver, type RecordWithTtl } from 'node:dns';
import { dnsError } from './failure.js';
import type { LookupFn } from './cache.js';
import { HostsFile } from './hosts-file.js';
import { candidateNames, loadResolvConf, type ResolverConfig } from './resolv-conf.js';

/** RFC 8305 §3's recommended Resolution Delay. */
export const RESOLUTION_DELAY_MS = 50;

/** Where the resolver's configuration comes from; tests point these at their own files. */
export interface ResolverSetup {
  /** Servers to ask instead of resolv.conf's (`--dns-server`), already validated. */
  servers?: readonly string[];
  /** @default "/etc/hosts" */
  hostsPath?: string;
  /** @default "/etc/resolv.conf" */
  resolvConfPath?: string;
}

/**
 * Name resolution that does what getaddrinfo does — hosts file first, then DNS with resolv.conf's
 * servers, search list and ndots — but asks DNS through c-ares (node's `Resolver`), which runs on
 * the event loop: thousands of lookups wait on UDP sockets, none holds one of libuv's 4 threadpool
 * threads, which zlib and file writes need too.
 *
 * c-ares is given resolv.conf's `timeout` and `attempts` (glibc's 5 s and 2 when unset); it doubles
 * the timeout on each round, so a silent server is given up on after about 15 s by default. The
 * connect timeout, which covers the lookup, usually ends the wait first (and DnsCache stops
 * waiting for the query then); the run's end cancels what is left.
 */
export class SystemResolver {
  private readonly hosts: HostsFile;
  private readonly config: ResolverConfig;
  private readonly cares: Resolver;

  constructor(setup: ResolverSetup = {}) {
    this.hosts = HostsFile.load(setup.hostsPath);
    this.config = loadResolvConf(setup.resolvConfPath);
    this.cares = new Resolver({ timeout: this.config.timeoutMs, tries: this.config.attempts });
    const servers = setup.servers !== undefined && setup.servers.length > 0 ? setup.servers : this.config.servers;
    this.cares.setServers([...servers]);
  }

  /** Cancels the queries still in flight (their callbacks get ECANCELLED). */
  readonly close = (): void => {
    this.cares.cancel();
  };

  /**
   * Answers from the hosts file (and RFC 6761's special names) without asking any server:
   * addresses, an error, or undefined when DNS must be asked.
   */
  readonly local = (hostname: string): readonly LookupAddress[] | NodeJS.ErrnoException | undefined => {
    const listed = this.hosts.lookup(hostname);
    if (listed !== undefined) return listed;
    // RFC 6761 §6.4: `invalid` and names under it never exist; resolvers answer NXDOMAIN themselves.
    const lower = hostname.toLowerCase().replace(/\.$/, '');
    if (lower === 'invalid' || lower.endsWith('.invalid')) return dnsError('ENOTFOUND', hostname);
    return undefined;
  };

  /** Asks DNS, trying each candidate name (search list) in turn. */
  readonly lookup: LookupFn = (hostname, callback) => {
    const names = candidateNames(hostname, this.config);
    let sawServfail = false;
    let sawNodata = false;
    const next = (i: number): void => {
      const name = names[i];
      if (name === undefined) {
        // As res_search: a server failure on any candidate says more than the others' "no such name".
        const code = sawServfail ? 'ESERVFAIL' : sawNodata ? 'ENODATA' : 'ENOTFOUND';
        callback(dnsError(code, hostname), []);
        return;
      }
      this.both(name, (err, addresses, ttl) => {
        if (err === null) {
          callback(null, addresses, ttl);
          return;
        }
        // glibc's res_search goes on to the next candidate after NXDOMAIN, NODATA and SERVFAIL,
        // and stops at anything else (a timeout would only repeat for every candidate).
        if (err.code === 'ENOTFOUND' || err.code === 'ENODATA' || err.code === 'ESERVFAIL') {
          if (err.code === 'ESERVFAIL') sawServfail = true;
          if (err.code === 'ENODATA') sawNodata = true;
          next(i + 1);
          return;
        }
        callback(dnsError(err.code ?? 'ENOTFOUND', hostname), []);
      });
    };
    next(0);
  };

  /**
   * A and AAAA asked at once (as getaddrinfo with AF_UNSPEC does), IPv6 listed first. Either
   * family's addresses are an answer; with none, the more telling of the two errors.
   *
   * RFC 8305 §3: once one family has answered with addresses, the other gets a Resolution Delay
   * of {@link RESOLUTION_DELAY_MS}, not the resolver's whole timeout — a server that drops AAAA
   * queries must not cost a name that has A records its connect budget. (The RFC starts at once on
   * an AAAA answer and adds A records to the race later; here the answer is settled once, cached
   * for every connection, so either family waits the same short delay for the other.)
   */
  private both(
    name: string,
    callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[], ttl?: number) => void,
  ): void {
    let pending = 2;
    let finished = false;
    let delay: NodeJS.Timeout | null = null;
    let v4: RecordWithTtl[] = [];
    let v6: RecordWithTtl[] = [];
    let err4: NodeJS.ErrnoException | null = null;
    let err6: NodeJS.ErrnoException | null = null;
    const finish = (): void => {
      finished = true;
      if (delay !== null) clearTimeout(delay);
      if (v4.length + v6.length > 0) {
        const addresses: LookupAddress[] = [
          ...v6.map((r) => ({ address: r.address, family: 6 })),
          ...v4.map((r) => ({ address: r.address, family: 4 })),
        ];
        const ttl = Math.min(...v6.map((r) => r.ttl), ...v4.map((r) => r.ttl));
        callback(null, addresses, ttl);
        return;
      }
      callback(worse(err4, err6), []);
    };
    const done = (): void => {
      if (finished) return;
      if (--pending === 0) {
        finish();
        return;
      }
      if (v4.length + v6.length > 0) {
        delay = setTimeout(finish, RESOLUTION_DELAY_MS);
        delay.unref();
      }
    };
    this.cares.resolve4(name, { ttl: true }, (err, records) => {
      if (err === null) v4 = records;
      else err4 = err;
      done();
    });
    this.cares.resolve6(name, { ttl: true }, (err, records) => {
      if (err === null) v6 = records;
      else err6 = err;
      done();
    });
  }
}

/**
 * The error that says more: NXDOMAIN for one family and NODATA for the other cannot both be true
 * of one name, so the failure (or the name's existence) wins over "no such name".
 */
function worse(a: NodeJS.ErrnoException | null, b: NodeJS.ErrnoException | null): NodeJS.ErrnoException {
  const rank = (e: NodeJS.ErrnoException | null): number =>
    e === null ? -1 : e.code === 'ENOTFOUND' ? 0 : e.code === 'ENODATA' ? 1 : 2;
  const chosen = rank(a) >= rank(b) ? a : b;
  return chosen ?? dnsError('ENOTFOUND', '');
}
