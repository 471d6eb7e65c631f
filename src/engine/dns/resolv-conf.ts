import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

/** Where the system resolver's configuration lives (resolv.conf(5)). */
export const RESOLV_CONF_PATH = '/etc/resolv.conf';

/** What getaddrinfo's DNS step takes from resolv.conf, with glibc's defaults. */
export interface ResolverConfig {
  /** Servers to ask, in order (`nameserver`, at most 3 as glibc's MAXNS). */
  servers: string[];
  /** Suffixes tried for names with fewer than `ndots` dots (`search` or `domain`). */
  search: string[];
  /** `options ndots:n`. @default 1 */
  ndots: number;
  /** `options timeout:n`, per try, ms. @default 5000 */
  timeoutMs: number;
  /** `options attempts:n`. @default 2 */
  attempts: number;
}

/** glibc's values when resolv.conf is missing or silent (resolv/resolv.h: RES_TIMEOUT, RES_DFLRETRY). */
export const RESOLVER_DEFAULTS = { ndots: 1, timeoutMs: 5000, attempts: 2, maxServers: 3 } as const;

/** Parses resolv.conf text. Unknown keywords and malformed values are ignored, as glibc does. */
export function parseResolvConf(text: string): ResolverConfig {
  const config: ResolverConfig = {
    servers: [],
    search: [],
    ndots: RESOLVER_DEFAULTS.ndots,
    timeoutMs: RESOLVER_DEFAULTS.timeoutMs,
    attempts: RESOLVER_DEFAULTS.attempts,
  };
  for (const line of text.split('\n')) {
    const [keyword, ...args] = line.trim().split(/\s+/);
    if (keyword === undefined || keyword.startsWith('#') || keyword.startsWith(';')) continue;
    switch (keyword) {
      case 'nameserver': {
        // The zone (`fe80::1%eth0`) cut with indexOf: /%.*$/ is tried at each `%`, quadratic in their number.
        const zone = args[0]?.indexOf('%') ?? -1;
        const address = zone === -1 ? args[0] : args[0]?.slice(0, zone);
        if (address !== undefined && isIP(address) !== 0 && config.servers.length < RESOLVER_DEFAULTS.maxServers) {
          config.servers.push(address);
        }
        break;
      }
      // `domain` and `search` override each other: the last one in the file wins.
      case 'domain':
        config.search = args.length > 0 ? [stripDot(args[0]!)] : [];
        break;
      case 'search':
        config.search = args.filter((d) => !d.startsWith('#') && d !== '.').map(stripDot);
        break;
      case 'options':
        for (const option of args) applyOption(config, option);
        break;
    }
  }
  // glibc: no nameserver line means the local host's server.
  if (config.servers.length === 0) config.servers.push('127.0.0.1');
  return config;
}

function applyOption(config: ResolverConfig, option: string): void {
  const [name, value] = option.split(':');
  const n = value === undefined ? Number.NaN : Number(value);
  if (!Number.isInteger(n) || n < 0) return;
  // glibc's caps: ndots ≤ 15 (RES_MAXNDOTS), timeout ≤ 30 s (RES_MAXRETRANS), attempts ≤ 5 (RES_MAXRETRY).
  if (name === 'ndots') config.ndots = Math.min(n, 15);
  else if (name === 'timeout' && n >= 1) config.timeoutMs = Math.min(n, 30) * 1000;
  else if (name === 'attempts' && n >= 1) config.attempts = Math.min(n, 5);
}

function stripDot(domain: string): string {
  return domain.endsWith('.') ? domain.slice(0, -1) : domain;
}

/** Reads `path`; a missing file means glibc's defaults (a server on the local host). */
export function loadResolvConf(path: string = RESOLV_CONF_PATH): ResolverConfig {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    // As glibc: no file is an empty file.
  }
  return parseResolvConf(text);
}

/**
 * The names to ask for, in order, as glibc's res_search does: a trailing dot makes a name
 * absolute (asked as is, only); a name with at least `ndots` dots is asked as is first, then with
 * each search suffix; one with fewer gets the suffixes first and is asked as is last.
 */
export function candidateNames(hostname: string, config: Pick<ResolverConfig, 'search' | 'ndots'>): string[] {
  if (hostname.endsWith('.')) return [hostname.slice(0, -1)];
  const dots = hostname.split('.').length - 1;
  const suffixed = config.search.map((domain) => `${hostname}.${domain}`);
  return dots >= config.ndots ? [hostname, ...suffixed] : [...suffixed, hostname];
}
