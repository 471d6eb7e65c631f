import { isIP } from 'node:net';
import { OptionError } from '../errors.js';
import { parseFlagDuration, readBudget, readDuration } from '../duration.js';
import { describeValue, isPlainObject, quote } from '../describe.js';
import { validateHeaderValue } from '../header.js';
import type { ProxySettings, Rate } from '../types.js';

/**
 * Value readers for run options. Each takes what a library caller or the CLI handed in (the
 * CLI passes its strings through unchanged), returns the normalized value, or throws an Error
 * whose message completes "<option> …" (`must be …, got …`). The caller adds the option's name.
 */
export type ValueReader<T> = (value: unknown) => T;

/** How a rejected value is shown: JSON-quoted when a string, so no control character is echoed. */
export function shown(value: unknown): string {
  return typeof value === 'string' ? quote(value) : describeValue(value);
}

/** A whole number in [min, max]: a number, or a string of digits (what the CLI hands in). */
export function wholeNumber(min: number, max: number): ValueReader<number> {
  return (value) => {
    const n =
      typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new Error(`must be a whole number from ${min} to ${max}, got ${shown(value)}`);
    }
    return n;
  };
}

/**
 * A duration in whole ms, at least 1 (a zero timeout would fire at once, a zero delay spin).
 * A number is milliseconds (the library's unit, as Node's timeouts); a string carries its unit
 * (`250ms`, `2s`, `1.5m`, `1h`). The CLI reads its flags' text with `parseFlagDuration` first
 * (a bare number there is seconds), so this sees a number from it. See src/duration.ts.
 */
export const duration: ValueReader<number> = readDuration;

/**
 * A budget (a timeout, `expect.maxTime`): a {@link duration}, and a number under 10 is refused as
 * most likely meant in seconds (`timeout: 5`); `"5ms"` says it on purpose.
 */
export const budget: ValueReader<number> = readBudget;

/**
 * A duration flag's text → milliseconds (a bare number is seconds, refused from 100 with the
 * hint `did you mean 1000ms?`); a bad value is a usage error naming the flag.
 */
export function flagDuration(flag: string): (raw: string) => number {
  return (raw) => {
    try {
      return parseFlagDuration(raw);
    } catch (err) {
      throw new OptionError(flag, `${flag}: ${(err as Error).message}`, { cause: err });
    }
  };
}

export const flag: ValueReader<boolean> = (value) => {
  if (typeof value !== 'boolean') throw new Error(`must be true or false, got ${shown(value)}`);
  return value;
};

/** A non-empty string without control characters (it ends up in a header or a TLS handshake). */
export const text: ValueReader<string> = (value) => {
  if (typeof value !== 'string' || value === '') throw new Error(`must be a non-empty string, got ${shown(value)}`);
  if (validateHeaderValue(value) !== null) throw new Error(`must not contain control characters, got ${shown(value)}`);
  return value;
};

/** `{count, perMs}`, or the CLI's `50`, `50/s`, `600/m` (a bare number is per second). */
export const rate: ValueReader<Rate> = (value) => {
  if (isPlainObject(value)) {
    const { count, perMs } = value;
    if (
      typeof count === 'number' &&
      count > 0 &&
      Number.isFinite(count) &&
      typeof perMs === 'number' &&
      perMs >= 1 &&
      Number.isFinite(perMs) &&
      Number.isFinite(perMs / count)
    ) {
      return { count, perMs };
    }
    throw new Error('must be {count, perMs} with both greater than 0 (perMs at least 1), perMs / count finite');
  }
  const m =
    typeof value === 'string' ? /^(\d+(?:\.\d+)?)\s*(?:\/\s*(s|sec|second|m|min|minute))?$/i.exec(value.trim()) : null;
  const count = m ? Number(m[1]) : NaN;
  if (m === null || !(count > 0) || !Number.isFinite(count)) {
    throw new Error(`must look like 50, 50/s or 600/m, got ${shown(value)}`);
  }
  const perMs = (m[2] ?? 's').toLowerCase().startsWith('m') ? 60_000 : 1000;
  // So small a count that one request's interval overflows: no rate anyone means.
  if (!Number.isFinite(perMs / count)) throw new Error(`is too slow to pace anything, got ${shown(value)}`);
  return { count, perMs };
};

/** PEM text: one string or a list (the library's `ca`). */
export const pemList: ValueReader<string[]> = (value) => {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || !list.every((v) => typeof v === 'string' && v.includes('-----BEGIN '))) {
    throw new Error('must be PEM text (-----BEGIN …) or a list of PEM texts');
  }
  return [...list];
};

export const pem: ValueReader<string> = (value) => {
  if (typeof value !== 'string' || !value.includes('-----BEGIN ')) {
    throw new Error('must be PEM text (-----BEGIN …)');
  }
  return value;
};

/**
 * Names pinned to addresses (curl's `--resolve`): `{"host:port": "address"}` (several
 * comma-separated, or a list), or a list of `host:port:address[,address…]` strings as the CLI
 * takes them. An address may be an IPv6 literal, with or without brackets.
 */
export const resolveMap: ValueReader<Record<string, readonly string[]>> = (value) => {
  const map: Record<string, readonly string[]> = {};
  const add = (host: string, port: string, rawAddrs: string | readonly unknown[], shownEntry: string) => {
    const p = /^\d{1,5}$/.test(port) ? Number(port) : NaN;
    // As curl's --resolve: several addresses, comma-separated (or, in the library, a list).
    const list = typeof rawAddrs === 'string' ? rawAddrs.split(',') : rawAddrs;
    const addrs = list.map((a) => (typeof a === 'string' ? a.trim().replace(/^\[(.*)\]$/, '$1') : ''));
    if (
      host === '' ||
      /[\s:]/.test(host) ||
      !(p >= 1 && p <= 65535) ||
      addrs.length === 0 ||
      addrs.some((a) => isIP(a) === 0)
    ) {
      throw new Error(`must map host:port to IP addresses, got ${shownEntry}`);
    }
    map[`${host.toLowerCase()}:${p}`] = Object.freeze(addrs);
  };
  if (Array.isArray(value)) {
    for (const spec of value) {
      const m = typeof spec === 'string' ? /^([^:\s]+):(\d{1,5}):(.+)$/.exec(spec.trim()) : null;
      if (m === null) throw new Error(`must be host:port:address[,address…] with IP addresses, got ${shown(spec)}`);
      add(m[1] ?? '', m[2] ?? '', m[3] ?? '', shown(spec));
    }
    return map;
  }
  if (!isPlainObject(value)) throw new Error(`must be an object of "host:port" → addresses, got ${shown(value)}`);
  for (const [hostPort, addr] of Object.entries(value)) {
    const m = /^(.+):(\d{1,5})$/.exec(hostPort);
    if (m === null || !(typeof addr === 'string' || Array.isArray(addr))) {
      throw new Error(`must map host:port to IP addresses, got ${quote(hostPort)} → ${shown(addr)}`);
    }
    add(m[1] ?? '', m[2] ?? '', addr, `${quote(hostPort)} → ${shown(addr)}`);
  }
  return map;
};

/** An http:// proxy URL (https through CONNECT); a bare `host:port` gets `http://`. */
export function proxyUrl(value: unknown): string {
  if (typeof value !== 'string') throw new Error(`must be a proxy URL (http://host:port), got ${shown(value)}`);
  let url: URL;
  try {
    url = new URL(value.includes('://') ? value : `http://${value}`);
  } catch {
    throw new Error(`must be a proxy URL (http://host:port), got ${shown(value)}`);
  }
  if (url.protocol !== 'http:') throw new Error(`supports only http:// proxies, got ${quote(url.protocol)}`);
  return url.href;
}

export const proxy: ValueReader<ProxySettings> = (value) => {
  if (!isPlainObject(value)) throw new Error(`must be an object {http?, https?, noProxy?}, got ${shown(value)}`);
  const { http, https, noProxy, ...rest } = value;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw new Error(`has an unknown field ${quote(extra)} (use http, https, noProxy)`);
  const settings: ProxySettings = {};
  if (http !== undefined) settings.http = wrap('http', () => proxyUrl(http));
  if (https !== undefined) settings.https = wrap('https', () => proxyUrl(https));
  if (noProxy !== undefined) {
    if (!Array.isArray(noProxy) || !noProxy.every((e) => typeof e === 'string')) {
      throw new Error('.noProxy must be a list of host names');
    }
    settings.noProxy = noProxy.map((e: string) => e.trim().toLowerCase()).filter((e) => e !== '');
  }
  return settings;
};

function wrap<T>(field: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    throw new Error(`.${field} ${(err as Error).message}`);
  }
}
