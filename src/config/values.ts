import { isIP } from 'node:net';
import { OptionError } from '../errors.js';
import { checkBudget, MAX_DURATION_MS, parseDuration, parseFlagDuration } from '../duration.js';
import { describeValue, isPlainObject, quote } from '../describe.js';
import { buildExpectation, DEFAULT_EXPECTATION } from '../expect/parse.js';
import { headerRule } from '../expect/header.js';
import { validateHeaderValue } from '../header.js';
import { linearRegex } from '../expect/regex.js';
import { parseStatusSpec } from '../expect/status.js';
import type { Expectation } from '../expect/types.js';
import type { ExpectObject, ProxySettings, Rate } from '../types.js';

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
export const duration: ValueReader<number> = (value) => {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 1 || value > MAX_DURATION_MS) {
      throw new Error(`must be a number of milliseconds from 1 to ${MAX_DURATION_MS}, got ${shown(value)}`);
    }
    return Math.round(value);
  }
  if (typeof value !== 'string') {
    throw new Error(`must be a duration like "250ms" or "2s", or a number of milliseconds, got ${shown(value)}`);
  }
  // parseDuration's message already names and quotes the value.
  return parseDuration(value);
};

/**
 * A budget (a timeout, `expect.maxTime`): a {@link duration}, and a number under 10 is refused as
 * most likely meant in seconds (`timeout: 5`); `"5ms"` says it on purpose.
 */
export const budget: ValueReader<number> = (value) => checkBudget(value, duration(value));

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
      Number.isFinite(perMs)
    ) {
      return { count, perMs };
    }
    throw new Error('must be {count, perMs} with both greater than 0 (perMs at least 1)');
  }
  const m =
    typeof value === 'string' ? /^(\d+(?:\.\d+)?)\s*(?:\/\s*(s|sec|second|m|min|minute))?$/i.exec(value.trim()) : null;
  const count = m ? Number(m[1]) : NaN;
  if (m === null || !(count > 0) || !Number.isFinite(count)) {
    throw new Error(`must look like 50, 50/s or 600/m, got ${shown(value)}`);
  }
  const perMinute = (m[2] ?? 's').toLowerCase().startsWith('m');
  return { count, perMs: perMinute ? 60_000 : 1000 };
};

/**
 * The run-wide expectation: a status spec (`"2xx"`, the CLI's `--expect`), an object as a target
 * file's `expect` (`{status: "200-299", maxTime: "1s"}`), or an already built
 * {@link Expectation} (`{status: [[200, 299]], statusText: "200-299"}`).
 */
export const expectation: ValueReader<Expectation> = (value) => {
  if (typeof value === 'string' || typeof value === 'number') {
    const spec = parseStatusSpec(value);
    return { status: spec.ranges, statusText: spec.text };
  }
  if (isPlainObject(value) && Array.isArray(value.status)) return builtExpectation(value);
  if (!isPlainObject(value)) throw new Error(`must be a status spec like "200-299" or an object, got ${shown(value)}`);
  return buildExpectation(value as ExpectObject, DEFAULT_EXPECTATION);
};

/** An {@link Expectation} as the engine takes it, checked field by field in that form. */
function builtExpectation(value: Record<string, unknown>): Expectation {
  const { status, statusText, maxTime, bodyIncludes, header, certDaysLeft, json, bodyMatches, ...rest } = value;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw new Error(`has an unknown field ${quote(extra)}`);
  const ranges = status as unknown[];
  const codesOk =
    ranges.length > 0 &&
    ranges.every(
      (r) =>
        Array.isArray(r) &&
        r.length === 2 &&
        Number.isInteger(r[0]) &&
        Number.isInteger(r[1]) &&
        (r[0] as number) >= 100 &&
        (r[0] as number) <= (r[1] as number) &&
        (r[1] as number) <= 599,
    );
  if (!codesOk) throw new Error('.status must be a non-empty list of [low, high] codes from 100 to 599');
  if (typeof statusText !== 'string') throw new Error('.statusText must be a string');
  // Copied: the config is frozen, and the caller's arrays stay theirs.
  const built: Expectation = { status: ranges.map((r) => [...(r as [number, number])] as const), statusText };
  if (maxTime !== undefined) built.maxTime = budget(maxTime);
  if (bodyIncludes !== undefined) {
    if (typeof bodyIncludes !== 'string' || bodyIncludes === '')
      throw new Error('.bodyIncludes must be a non-empty string');
    built.bodyIncludes = bodyIncludes;
  }
  if (certDaysLeft !== undefined) {
    if (typeof certDaysLeft !== 'number' || !Number.isSafeInteger(certDaysLeft) || certDaysLeft < 0) {
      throw new Error('.certDaysLeft must be a whole number of days (0 or more)');
    }
    built.certDaysLeft = certDaysLeft;
  }
  // Built content checks (what `expect.json` / `expect.bodyMatches` compile to) are taken as they
  // are; the object form of `expect` is where they are written and checked.
  if (json !== undefined) {
    if (!Array.isArray(json)) throw new Error('.json must be a list of built JSON checks (or use the object form)');
    built.json = json as Expectation['json'] & object;
    // A built `matches` runs on RE2 too: refused here, not when a body arrives.
    for (const check of built.json) {
      const test: unknown = check?.test;
      if (!isPlainObject(test) || test.kind !== 'matches') continue;
      if (!(test.regex instanceof RegExp)) throw new Error('.json: a "matches" check needs a RegExp');
      linearRegex(test.regex);
    }
  }
  if (bodyMatches !== undefined) {
    if (!(bodyMatches instanceof RegExp)) throw new Error('.bodyMatches must be a RegExp (or use the object form)');
    linearRegex(bodyMatches, String(bodyMatches));
    built.bodyMatches = bodyMatches;
  }
  if (header !== undefined) {
    if (!Array.isArray(header)) throw new Error('.header must be a list of header rules');
    built.header = header.map((rule: unknown) => {
      if (!isPlainObject(rule) || typeof rule.name !== 'string' || typeof rule.value !== 'string') {
        throw new Error('.header must be a list of {name, kind, value}');
      }
      const form = rule.kind === 'includes' || rule.kind === 'matches' ? { [rule.kind]: rule.value } : rule.value;
      return headerRule(rule.name.toLowerCase(), form, `expect.header.${rule.name}`);
    });
  }
  return built;
}

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
