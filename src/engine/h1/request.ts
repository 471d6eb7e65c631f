import type { HeaderList, Target } from '../../types.js';

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

/**
 * What a header list means for serialization, worked out once per list: targets that took the
 * run-wide `-H` flags (or a file's defaults) share one list, so this is not redone per request.
 */
interface HeaderFacts {
  /** The user's fields, serialized (Content-Length left out: it is ours to compute). */
  block: string;
  host: boolean;
  userAgent: boolean;
  accept: boolean;
  acceptEncoding: boolean;
  proxyAuthorization: boolean;
  /** The user asked the server to close after the request (RFC 9112 §9.6). */
  close: boolean;
  /**
   * The fields after Host, serialized for the last (user agent, form) pair used with this list —
   * in a run that is always the same pair, so the head of a body-less request is then built
   * from three pieces (request line, Host line, this).
   */
  tail: string;
  tailAgent: string | null;
  tailForm: RequestForm | undefined;
  /**
   * For a request without body or Content-Length, everything after the request target — ` HTTP/1.1`,
   * Host, {@link tail}, the empty line — per Host value, for the same (user agent, form) as
   * `tail`: such a request is then its method, its target and this, built once, not per request.
   */
  ends: Map<string, string>;
}

/** Distinct Host values whose request ends are kept per header list; a list of many hosts starts over. */
const MAX_ENDS = 256;

const factsCache = new WeakMap<HeaderList, HeaderFacts>();

function factsOf(headers: HeaderList): HeaderFacts {
  let facts = factsCache.get(headers);
  if (facts !== undefined) return facts;
  facts = {
    block: '',
    host: false,
    userAgent: false,
    accept: false,
    acceptEncoding: false,
    proxyAuthorization: false,
    close: false,
    tail: '',
    tailAgent: null,
    tailForm: undefined,
    ends: new Map(),
  };
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (lower === 'content-length') continue;
    facts.block += `${name}: ${value}\r\n`;
    if (lower === 'host') facts.host = true;
    else if (lower === 'user-agent') facts.userAgent = true;
    else if (lower === 'accept') facts.accept = true;
    else if (lower === 'accept-encoding') facts.acceptEncoding = true;
    else if (lower === 'proxy-authorization') facts.proxyAuthorization = true;
    else if (lower === 'connection' && /(^|,)\s*close\s*(,|$)/i.test(value)) facts.close = true;
  }
  factsCache.set(headers, facts);
  return facts;
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

/** The codings we can decode (bodies/decode.ts), in the order we prefer them. */
export const ACCEPT_ENCODING = 'gzip, deflate, br';

/**
 * The request's bytes. A request without a body is returned as a string, which the socket
 * encodes straight into its write (no Buffer made here). `host`: the Host value, when the caller
 * has it already (a connection's origin is the same for every request it carries).
 */
export function serializeRequest(
  target: Target,
  userAgent: string,
  form?: RequestForm,
  host: string = hostHeader(target),
): string | Buffer {
  const { headers, body, method } = target;
  const facts = factsOf(headers);
  const requestTarget = form?.absolute === true ? `${target.protocol}//${host}${target.path}` : target.path;
  if (body === null && method !== 'POST' && method !== 'PUT' && method !== 'PATCH') {
    const tail = tailOf(facts, userAgent, form);
    let end = facts.ends.get(host);
    if (end === undefined) {
      end = ` HTTP/1.1\r\n${facts.host ? '' : `Host: ${host}\r\n`}${tail}\r\n`;
      if (facts.ends.size >= MAX_ENDS) facts.ends.clear();
      facts.ends.set(host, end);
    }
    return `${method} ${requestTarget}${end}`;
  }
  let head = `${method} ${requestTarget} HTTP/1.1\r\n`;
  if (!facts.host) head += `Host: ${host}\r\n`;
  head += tailOf(facts, userAgent, form);
  if (body !== null) {
    head += `Content-Length: ${body.length}\r\n\r\n`;
    // A body read from files follows the head as the session streams it (bodies/upload.ts).
    if (!Buffer.isBuffer(body)) return head;
    const headBytes = Buffer.from(head, 'utf8');
    return Buffer.concat([headBytes, body], headBytes.length + body.length);
  }
  // POST/PUT/PATCH without a body still announce zero length, so the server does not wait for one.
  head += 'Content-Length: 0\r\n';
  return `${head}\r\n`;
}

/** The fields after Host, for this header list, user agent and form: made once per combination in use. */
function tailOf(facts: HeaderFacts, userAgent: string, form: RequestForm | undefined): string {
  if (facts.tailAgent === userAgent && facts.tailForm === form) return facts.tail;
  let tail = '';
  if (!facts.userAgent) tail += `User-Agent: ${userAgent}\r\n`;
  if (!facts.accept) tail += 'Accept: */*\r\n';
  if (form !== undefined) {
    if (form.acceptEncoding && !facts.acceptEncoding) tail += `Accept-Encoding: ${ACCEPT_ENCODING}\r\n`;
    if (form.proxyAuthorization !== undefined && !facts.proxyAuthorization) {
      tail += `Proxy-Authorization: ${form.proxyAuthorization}\r\n`;
    }
  }
  tail += facts.block;
  facts.tail = tail;
  facts.tailAgent = userAgent;
  facts.tailForm = form;
  facts.ends.clear();
  return tail;
}

/** Whether the user asked the server to close after this request (RFC 9112 §9.6). */
export function requestsClose(headers: HeaderList): boolean {
  return factsOf(headers).close;
}
