import { UsageError } from '../errors.js';
import type { RunOptions } from '../types.js';
import { DEFAULT_DNS_CONCURRENCY, DnsCache, type LookupFn } from './dns.js';
import { parseDnsServers, SystemResolver } from './resolver.js';

/** The system resolver's files; the defaults are /etc/hosts and /etc/resolv.conf. */
export interface ResolverFiles {
  hostsPath?: string;
  resolvConfPath?: string;
}

/**
 * The run's name resolution, from its options (validated here, for the library and the CLI
 * alike): a caller's own `lookup`, or the system resolver (hosts file, then DNS through c-ares)
 * with `dnsServers` instead of resolv.conf's when given.
 */
export function dnsCacheFor(
  options: Pick<RunOptions, 'dnsServers' | 'dnsConcurrency'> & { lookup?: LookupFn; resolverFiles?: ResolverFiles },
): DnsCache {
  const concurrency = options.dnsConcurrency ?? DEFAULT_DNS_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new UsageError(`dnsConcurrency must be a whole number ≥ 1, got ${String(options.dnsConcurrency)}`);
  }
  const servers = options.dnsServers === undefined ? undefined : parseDnsServers(options.dnsServers);
  if (options.lookup !== undefined) return new DnsCache({ lookup: options.lookup, concurrency });
  const files = options.resolverFiles ?? {};
  const resolver = new SystemResolver({
    ...(servers === undefined ? {} : { servers }),
    ...(files.hostsPath === undefined ? {} : { hostsPath: files.hostsPath }),
    ...(files.resolvConfPath === undefined ? {} : { resolvConfPath: files.resolvConfPath }),
  });
  return new DnsCache({ lookup: resolver.lookup, local: resolver.local, concurrency });
}
