import type { HeaderList, Target } from '../types.js';

/**
 * Serializes one request (RFC 9112 §3: request-line, header fields, empty line, body).
 * Targets were validated at the boundary (no CR/LF/NUL in method, path or headers), so nothing
 * here can inject a second request.
 */

const DEFAULT_PORT = { 'http:': 80, 'https:': 443 } as const;

/** The Host field value: the port only when it is not the scheme's default (RFC 9110 §7.2). */
export function hostHeader(target: Target): string {
  const host = target.hostname.includes(':') ? `[${target.hostname}]` : target.hostname;
  return target.port === DEFAULT_PORT[target.protocol] ? host : `${host}:${target.port}`;
}

function hasHeader(headers: HeaderList, lowerName: string): boolean {
  for (const [name] of headers) if (name.toLowerCase() === lowerName) return true;
  return false;
}

/**
 * The user's header block is the same object for every target that took the run-wide `-H`
 * flags, so its serialization is cached per header list instead of rebuilt per request.
 */
const headerBlockCache = new WeakMap<HeaderList, string>();

function headerBlock(headers: HeaderList): string {
  let block = headerBlockCache.get(headers);
  if (block === undefined) {
    block = '';
    for (const [name, value] of headers) {
      // Content-Length is ours to compute from the body actually sent.
      if (name.toLowerCase() === 'content-length') continue;
      block += `${name}: ${value}\r\n`;
    }
    headerBlockCache.set(headers, block);
  }
  return block;
}

/** What differs from a plain request: decided once per run (or per proxy), never per request. */
export interface RequestForm {
  /**
   * Absolute-form request target (`GET http://host:port/path HTTP/1.1`), for a request sent to
   * an HTTP proxy (RFC 9112 §3.2.2); origin-form otherwise.
   */
  absolute: boolean;
  /** Send `Accept-Encoding: gzip, deflate, br` unless the user set the field (`compressed`). */
  acceptEncoding: boolean;
  /** Proxy-Authorization value for the proxy (from its URL's user info). */
  proxyAuthorization?: string;
}

/** The codings we can decode (decode.ts), in the order we prefer them. */
export const ACCEPT_ENCODING = 'gzip, deflate, br';

export function serializeRequest(target: Target, userAgent: string, form?: RequestForm): Buffer {
  const { headers, body } = target;
  const requestTarget = form?.absolute === true ? `${target.protocol}//${hostHeader(target)}${target.path}` : target.path;
  let head = `${target.method} ${requestTarget} HTTP/1.1\r\n`;
  if (!hasHeader(headers, 'host')) head += `Host: ${hostHeader(target)}\r\n`;
  if (!hasHeader(headers, 'user-agent')) head += `User-Agent: ${userAgent}\r\n`;
  if (!hasHeader(headers, 'accept')) head += 'Accept: */*\r\n';
  if (form !== undefined) {
    if (form.acceptEncoding && !hasHeader(headers, 'accept-encoding')) head += `Accept-Encoding: ${ACCEPT_ENCODING}\r\n`;
    if (form.proxyAuthorization !== undefined && !hasHeader(headers, 'proxy-authorization')) {
      head += `Proxy-Authorization: ${form.proxyAuthorization}\r\n`;
    }
  }
  head += headerBlock(headers);
  if (body !== null) {
    head += `Content-Length: ${body.length}\r\n\r\n`;
    const headBytes = Buffer.from(head, 'utf8');
    return Buffer.concat([headBytes, body], headBytes.length + body.length);
  }
  // POST/PUT/PATCH without a body still announce zero length, so the server does not wait for one.
  if (target.method === 'POST' || target.method === 'PUT' || target.method === 'PATCH') head += 'Content-Length: 0\r\n';
  head += '\r\n';
  return Buffer.from(head, 'utf8');
}

/** Whether the user asked the server to close after this request (RFC 9112 §9.6). */
export function requestsClose(headers: HeaderList): boolean {
  for (const [name, value] of headers) {
    if (name.toLowerCase() === 'connection' && /(^|,)\s*close\s*(,|$)/i.test(value)) return true;
  }
  return false;
}
