import type { HeaderList, PreparedTarget, Target, TargetInput, TargetObject } from '../types.js';
import { readBodyFile } from './body-file-field.js';
import { deepPreview, tooDeep, tooDeepMessage } from './depth.js';
import { describeValue, isPlainObject, quote, unknownFieldError } from '../describe.js';
import { buildExpectation, DEFAULT_EXPECTATION } from '../expect/parse.js';
import {
  EMPTY_HEADERS,
  mergeHeaders,
  readBody,
  readHeaders,
  readMethod,
  readName,
  readPort,
  readTimeout,
  withField,
} from './fields.js';
import { controlName } from '../header.js';
import { baseLayer, type Layer, type TargetDefaults } from './layers.js';
import { headersFor, NO_ORIGINS, originKey } from './origin.js';
import { parseTargetUrl, type ParsedUrl } from './url.js';

export { normalizeMethod } from './fields.js';
export { checkFileDefaults, type TargetDefaults } from './layers.js';

const TARGET_FIELDS: ReadonlySet<string> = new Set([
  'url',
  'host',
  'port',
  'path',
  'method',
  'headers',
  'body',
  'data',
  'bodyFile',
  'timeout',
  'name',
  'expect',
]);

/**
 * Validates one target. Never throws: anything wrong becomes an {@link InvalidTarget} with a
 * one-line reason, so one bad line among a million does not stop the run.
 *
 * Precedence, field by field: the target's own value > `defaults` (CLI flags) > `fileDefaults`
 * (the `defaults` object of the JSON file the target came from). Headers merge by
 * case-insensitive name with the same precedence.
 *
 * Object targets point either with `url` (absolute or shorthand), or with `host` + optional
 * `port` + `path` (`url` then means the path). `host` may carry the scheme (`"https://api.x"`);
 * without one it is http, whatever the port — an explicit scheme beats guessing from 443.
 *
 * A target with a `bodyFile` comes back with a null body: the readers in index.ts measure the
 * file (body-file-field.ts) before the target goes anywhere.
 */
export function prepareTarget(
  input: TargetInput,
  index: number,
  defaults: TargetDefaults,
  fileDefaults?: TargetObject,
  /** The input as written, when it differs from `input` (`${env:…}` resolved): what reports show. */
  written?: string,
): PreparedTarget {
  // Sources refuse too-deep targets already (naming the line); this covers the library's inputs.
  const deep = typeof input === 'string' ? null : safeTooDeep(input);
  if (deep !== null) return { index, input: deepPreview(input), invalid: tooDeepMessage(deep) };
  const shown = written ?? (typeof input === 'string' ? input : safeStringify(input));
  let name: string | undefined;
  try {
    const base = baseLayer(defaults, fileDefaults);
    if (typeof input === 'string') {
      return assemble(index, shown, undefined, parseTargetUrl(input.trim()), base, undefined);
    }
    if (!isPlainObject(input)) {
      throw new Error(`a target must be a URL string or an object, got ${describeValue(input)}`);
    }
    name = readName(input.name);
    return fromObject(input, index, shown, name, base);
  } catch (err) {
    const invalid = err instanceof Error ? err.message : String(err);
    return name === undefined ? { index, input: shown, invalid } : { index, input: shown, name, invalid };
  }
}

function fromObject(
  obj: Record<string, unknown>,
  index: number,
  shown: string,
  name: string | undefined,
  base: Layer,
): Target {
  const unknown = unknownFieldError(obj, TARGET_FIELDS);
  if (unknown !== null) throw new Error(unknown);
  const bodyFile = readBodyFile(obj);
  const own: Layer = {
    method: obj.method === undefined ? undefined : readMethod(obj.method),
    headers: obj.headers === undefined ? EMPTY_HEADERS : readHeaders(obj.headers),
    body: readBody(obj),
    timeout: obj.timeout === undefined ? undefined : readTimeout(obj.timeout, 'timeout'),
    expect: undefined,
    origins: NO_ORIGINS,
  };
  const location = obj.host === undefined ? urlLocation(obj) : hostLocation(obj);
  return assemble(index, shown, name, location, base, own, obj.expect, bodyFile !== undefined);
}

function assemble(
  index: number,
  input: string,
  name: string | undefined,
  location: ParsedUrl,
  base: Layer,
  own: Layer | undefined,
  ownExpect?: unknown,
  /**
   * The target has its own `bodyFile`: it wins over the run's body, as `body` does, and the body
   * is set once the file is measured (body-file-field.ts); until then it is null.
   */
  ownBodyFile = false,
): Target {
  let headers = own === undefined ? base.headers : mergeHeaders(base.headers, own.headers);
  if (location.authorization !== undefined && !hasHeader(headers, 'authorization')) {
    // Credentials from the URL are the weakest source: an explicit Authorization header wins.
    headers = [...headers, ['Authorization', location.authorization]];
  }
  const ownBody = own?.body ?? null;
  const body = ownBodyFile ? null : (ownBody ?? base.body);
  if (ownBody === null && base.bodyContentType !== undefined && body !== null && !hasHeader(headers, 'content-type')) {
    headers = [...headers, ['Content-Type', base.bodyContentType]];
  }
  let bound: Target['bound'];
  if (base.origins.size > 0) {
    const ownNames =
      own === undefined || own.headers.length === 0 ? NO_NAMES : new Set(own.headers.map(([n]) => n.toLowerCase()));
    bound = { byOrigin: base.origins, unbound: headers, own: ownNames };
    headers = headersFor(bound, headers, originKey(location));
  }
  const target: Target = {
    index,
    input,
    url: location.url,
    protocol: location.protocol,
    hostname: location.hostname,
    port: location.port,
    path: location.path,
    // A body with no method is a POST, as curl's -d (RFC 9110 §9.3.1: GET content has no
    // defined meaning, and some servers reject it).
    method: own?.method ?? base.method ?? (body === null && !ownBodyFile ? 'GET' : 'POST'),
    headers,
    body,
  };
  if (name !== undefined) target.name = name;
  if (bound !== undefined) target.bound = bound;
  const timeout = own?.timeout ?? base.timeout;
  if (timeout !== undefined) target.timeout = timeout;
  const expect =
    ownExpect === undefined ? base.expect : buildExpectation(ownExpect as never, base.expect ?? DEFAULT_EXPECTATION);
  if (expect !== undefined) target.expect = expect;
  return target;
}

/** `{url}`: absolute or shorthand, exactly as a string target. */
function urlLocation(obj: Record<string, unknown>): ParsedUrl {
  if (obj.port !== undefined) throw new Error('field "port" needs "host" (or put the port in "url")');
  if (obj.path !== undefined) throw new Error('field "path" needs "host" (or put the path in "url")');
  if (obj.url === undefined) throw new Error('missing "url" (or "host")');
  if (typeof obj.url !== 'string') throw new Error(`field "url" must be a string, got ${describeValue(obj.url)}`);
  return withField('url', () => parseTargetUrl(obj.url as string));
}

/** `{host, port?, path?|url?}`. */
function hostLocation(obj: Record<string, unknown>): ParsedUrl {
  const { host, port, path, url } = obj;
  if (typeof host !== 'string') throw new Error(`field "host" must be a string, got ${describeValue(host)}`);
  let scheme = 'http:';
  let hostText = host;
  const prefixed = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(host);
  if (prefixed !== null) {
    scheme = `${(prefixed[1] ?? '').toLowerCase()}:`;
    if (scheme !== 'http:' && scheme !== 'https:') {
      throw new Error(`field "host": unsupported scheme ${quote(scheme)} (use http or https)`);
    }
    hostText = host.slice(prefixed[0].length).replace(/\/$/, '');
  }
  if (hostText === '') throw new Error('field "host" is empty');
  if (/[\u0000-\u0020\u007f-\u009f/?#@\\\ufffd]/.test(hostText)) {
    throw new Error(`field "host" must be a host name or IP address, got ${quote(host)}`);
  }
  if (!hostText.startsWith('[')) {
    const colon = hostText.indexOf(':');
    if (colon !== -1) {
      // One colon is host:port; two or more is a bare IPv6 address, which needs brackets in a URL.
      if (!hostText.includes(':', colon + 1)) throw new Error('field "host" must not include a port (use "port")');
      hostText = `[${hostText}]`;
    }
  }
  const portNumber = readPort(port) ?? (scheme === 'https:' ? 443 : 80);

  if (path !== undefined && url !== undefined) throw new Error('give "path" or "url" (the path), not both');
  const pathField = path === undefined ? 'url' : 'path';
  const pathValue = path ?? url ?? '/';
  if (typeof pathValue !== 'string') {
    throw new Error(`field "${pathField}" must be a string, got ${describeValue(pathValue)}`);
  }
  if (!pathValue.startsWith('/')) {
    throw new Error(
      `field "${pathField}" must be a path starting with "/" when "host" is given, got ${quote(pathValue)}`,
    );
  }
  const bad = /[\u0000-\u0020\u007f-\u009f\ufffd]/.exec(pathValue);
  if (bad !== null) throw new Error(`field "${pathField}" contains ${controlName(bad[0])}`);
  // The path is known clean, so whatever the URL parser still objects to is in the host.
  return withField('host', () => parseTargetUrl(`${scheme}//${hostText}:${portNumber}${pathValue}`));
}

const NO_NAMES: ReadonlySet<string> = new Set();

function hasHeader(headers: HeaderList, lowerName: string): boolean {
  return headers.some(([n]) => n.toLowerCase() === lowerName);
}

/** {@link tooDeep}, for library inputs whose getters may throw (validation then says why). */
function safeTooDeep(value: unknown): string | null {
  try {
    return tooDeep(value);
  } catch {
    return null;
  }
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
