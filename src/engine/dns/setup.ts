import { DnsCache, type LookupFn } from './cache.js';
import { SystemResolver } from './resolver.js';

/** The system resolver's files; the defaults are /etc/hosts and /etc/resolv.conf. */
export interface ResolverFiles {
  hostsPath?: string;
  resolvConfPath?: string;
}

/**
 * The run's name resolution, from its validated options: a caller's own `lookup`, or the system
 * resolver (hosts file, then DNS through c-ares) with `dnsServers` instead of resolv.conf's.
 */
export function dnsCacheFor(
  options: {
    readonly dnsServers?: readonly string[];
    readonly dnsConcurrency: number;
    readonly connectTimeout: number;
  },
  hooks: { lookup?: LookupFn; resolverFiles?: ResolverFiles },
): DnsCache {
  const concurrency = options.dnsConcurrency;
  // Nobody waits for a lookup longer than the connect timeout (it covers the lookup), so a slot
  // is not held longer either. The margin lets the requests' own deadline, checked every 10 ms,
  // report first ("no answer … (connect timeout)").
  const lookupTimeoutMs = options.connectTimeout + 100;
  if (hooks.lookup !== undefined) return new DnsCache({ lookup: hooks.lookup, concurrency, lookupTimeoutMs });
  const files = hooks.resolverFiles ?? {};
  const resolver = new SystemResolver({
    ...(options.dnsServers === undefined ? {} : { servers: options.dnsServers }),
    ...(files.hostsPath === undefined ? {} : { hostsPath: files.hostsPath }),
    ...(files.resolvConfPath === undefined ? {} : { resolvConfPath: files.resolvConfPath }),
  });
  return new DnsCache({
    lookup: resolver.lookup,
    local: resolver.local,
    concurrency,
    lookupTimeoutMs,
    close: resolver.close,
  });
}
