import type { BoundHeaders, HeaderList } from '../types.js';
import { describeValue, isPlainObject, quote, unknownFieldError } from '../describe.js';
import { checkHeader, mergeHeaders, readHeaders } from './fields.js';
import { controlName } from '../header.js';

/**
 * Credentials bound to origins: `--header-for`, `--user-for`, a target file's
 * `defaults.origins` and the library's `origins`. An origin is `scheme://host[:port]` (RFC 6454
 * §4): scheme, host and port, nothing else. Its key here is always `scheme://host:port`, lower
 * case, the default port written out, IPv6 in brackets, so `HTTPS://API.example.com` and
 * `https://api.example.com:443` are one origin.
 */

/** Origin key → the headers bound to it, validated. */
export type OriginHeaders = ReadonlyMap<string, HeaderList>;

export const NO_ORIGINS: OriginHeaders = new Map();

const BAD_CHAR = /[\u0000-\u0020\u007f-\u009f\ufffd]/;

/**
 * Reads an origin as a user writes it: `http://` or `https://`, a host, an optional port, and
 * at most a lone trailing `/` (how a browser shows an origin-only URL). A path, query, fragment
 * or user info is refused: binding a credential to something that looks narrower than an
 * origin would mislead.
 * @throws Error with a one-line reason (the caller names the flag or field).
 */
export function parseOrigin(text: string): string {
  const shownText = quote(text);
  const bad = BAD_CHAR.exec(text);
  if (bad !== null) throw new Error(`origin ${shownText} contains ${controlName(bad[0])}`);
  const scheme = /^(https?):\/\//i.exec(text);
  if (scheme === null) throw new Error(`origin ${shownText} must start with http:// or https://`);
  const rest = text.slice(scheme[0].length);
  const authority = rest.endsWith('/') ? rest.slice(0, -1) : rest;
  if (authority === '') throw new Error(`origin ${shownText} has no host`);
  for (const c of ['/', '?', '#', '\\', '@']) {
    if (authority.includes(c)) {
      throw new Error(
        `origin ${shownText} must be scheme://host[:port] only, without ${c === '@' ? 'user info' : 'a path, query or fragment'}`,
      );
    }
  }
  const portMatch = /:(\d*)$/.exec(authority);
  if (portMatch !== null && !authority.endsWith(']')) {
    const digits = portMatch[1] ?? '';
    const port = Number(digits);
    if (digits === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`origin ${shownText} has an invalid port (1-65535)`);
    }
  }
  let u: URL;
  try {
    u = new URL(`${scheme[1]}://${authority}/`);
  } catch {
    throw new Error(`origin ${shownText} has an invalid host`);
  }
  const protocol = u.protocol === 'https:' ? 'https:' : 'http:';
  const port = u.port === '' ? (protocol === 'https:' ? 443 : 80) : Number(u.port);
  return `${protocol}//${u.hostname}:${port}`;
}

/** The origin key of a request, as {@link parseOrigin} spells it. */
export function originKey(t: { protocol: string; hostname: string; port: number }): string {
  const host = t.hostname.includes(':') ? `[${t.hostname}]` : t.hostname;
  return `${t.protocol}//${host}:${t.port}`;
}

/** `Authorization: Basic …` for `user:password`, checked as `-u` is; `what` names the flag or field. */
export function basicAuthorization(user: string, what: string): readonly [string, string] {
  // Never echo the value: it holds a password.
  if (!user.includes(':')) throw new Error(`${what} needs user:password`);
  if (/[\u0000-\u001f\u007f]/.test(user)) throw new Error(`${what} contains a control character`);
  return ['Authorization', `Basic ${Buffer.from(user, 'utf8').toString('base64')}`];
}

const BINDING_FIELDS: ReadonlySet<string> = new Set(['headers', 'user']);

/**
 * `{ "<origin>": { "headers": {…}, "user": "user:pass" } }` (a file's `defaults.origins`, the
 * library's `origins`) → validated {@link OriginHeaders}. `user` becomes `Authorization: Basic`
 * unless `headers` has an Authorization (as `-H` wins over `-u`). Two spellings of one origin
 * merge, the later one winning by header name.
 * @throws Error naming `field` and the origin.
 */
export function readOrigins(value: unknown, field = 'origins'): OriginHeaders {
  if (!isPlainObject(value)) {
    throw new Error(`field "${field}" must be an object of origin → {headers, user}, got ${describeValue(value)}`);
  }
  const out = new Map<string, HeaderList>();
  for (const [text, binding] of Object.entries(value)) {
    let origin: string;
    try {
      origin = parseOrigin(text);
    } catch (err) {
      throw new Error(`field "${field}": ${(err as Error).message}`);
    }
    const where = `${field}[${quote(text)}]`;
    if (!isPlainObject(binding)) {
      throw new Error(`field "${where}" must be an object with "headers" and/or "user", got ${describeValue(binding)}`);
    }
    const unknown = unknownFieldError(binding, BINDING_FIELDS);
    if (unknown !== null) throw new Error(`field "${where}": ${unknown}`);
    let headers: HeaderList = binding.headers === undefined ? [] : readHeaders(binding.headers, `${where}.headers`);
    if (binding.user !== undefined) {
      if (typeof binding.user !== 'string') {
        throw new Error(`field "${where}.user" must be a string "user:password", got ${typeof binding.user}`);
      }
      const auth = basicAuthorization(binding.user, `field "${where}.user"`);
      if (!headers.some(([n]) => n.toLowerCase() === 'authorization')) headers = [...headers, auth];
    }
    addBinding(out, origin, headers);
  }
  return out;
}

/** Adds headers to an origin's, a header of the same name (any case) replacing the earlier one. */
export function addBinding(map: Map<string, HeaderList>, origin: string, headers: HeaderList): void {
  map.set(origin, mergeHeaders(map.get(origin) ?? [], headers));
}

/** Checks already-built bindings (the CLI's, or a library caller's Map) header by header. */
export function checkOrigins(origins: OriginHeaders, field: string): OriginHeaders {
  const out = new Map<string, HeaderList>();
  for (const [origin, headers] of origins) {
    out.set(origin, Object.freeze(headers.map(([n, v]) => checkHeader(n, v, field))));
  }
  return out;
}

/** `higher` over `lower`, origin by origin, header by header (CLI flags over a file's defaults). */
export function mergeOrigins(lower: OriginHeaders, higher: OriginHeaders): OriginHeaders {
  if (higher.size === 0) return lower;
  if (lower.size === 0) return higher;
  const out = new Map(lower);
  for (const [origin, headers] of higher) addBinding(out, origin, headers);
  return out;
}

// Targets without their own headers share one unbound list: the list for each origin is built
// once, so the request writer's per-list cache keeps hitting.
const shared = new WeakMap<HeaderList, Map<string, HeaderList>>();

/**
 * The headers a request to `origin` carries: the unbound ones, with that origin's bound headers
 * replacing any of the same name — except the target's own headers (`bound.own`), which win.
 */
export function headersFor(bound: BoundHeaders, unbound: HeaderList, origin: string): HeaderList {
  const forOrigin = bound.byOrigin.get(origin);
  if (forOrigin === undefined || forOrigin.length === 0) return unbound;
  const cacheable = bound.own.size === 0;
  let perOrigin = cacheable ? shared.get(unbound) : undefined;
  const cached = perOrigin?.get(origin);
  if (cached !== undefined) return cached;
  const add = bound.own.size === 0 ? forOrigin : forOrigin.filter(([n]) => !bound.own.has(n.toLowerCase()));
  const headers = Object.freeze(mergeHeaders(unbound, add));
  if (cacheable) {
    if (perOrigin === undefined) {
      perOrigin = new Map();
      shared.set(unbound, perOrigin);
    }
    perOrigin.set(origin, headers);
  }
  return headers;
}
