import { headersFor, originKey } from '../targets/origin.js';
import { parseTargetUrl } from '../targets/url.js';
import { copyOrigin } from './unsent-result.js';
import type { HeaderList, Target } from '../types.js';

/** RFC 9110 §15.4: the redirects a client follows automatically. 300, 304 and 305/306 are not. */
export function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/**
 * Headers a user sets for one origin that must not travel to another: credentials (curl and the
 * Fetch standard drop Authorization on a cross-origin redirect), cookies (there is no cookie jar
 * here to scope them by domain), and a Host the user pinned for the first origin.
 */
const ORIGIN_BOUND = new Set(['authorization', 'cookie', 'proxy-authorization', 'host']);

/** Headers that describe the request body, dropped with it (Fetch: "request-body-header name"). */
const BODY_HEADERS = new Set(['content-type', 'content-encoding', 'content-language', 'content-location']);

/**
 * A Location field value as the parser hands it over — one latin1 character per octet received
 * (RFC 9110 §5.5: field values are opaque octets) — with every non-ASCII octet percent-encoded,
 * so that `/dir/ü` sent as raw UTF-8 (nginx does) becomes `/dir/%C3%BC`, the bytes the server
 * named, as curl sends it; the URL parser would otherwise encode each latin1 character as UTF-8
 * again (`%C3%83%C2%BC`).
 */
export function locationReference(value: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    // Only octets (U+0080..U+00FF) can come from a field value; anything above is left to URL.
    if (c < 0x80 || c > 0xff) continue;
    out += `${value.slice(from, i)}%${c.toString(16).toUpperCase().padStart(2, '0')}`;
    from = i + 1;
  }
  return from === 0 ? value : out + value.slice(from);
}

/** The next request of a chain, or why the chain stops. */
export type Hop =
  | { ok: true; target: Target }
  | { ok: false; code: 'too_many_redirects' | 'protocol'; message: string };

/**
 * Decides the request that follows a redirect response.
 *
 * - `first`: the chain's first request, as the user gave it.
 * - `location`: the Location field value as received (see {@link locationReference}), not empty.
 * - `followed`: redirects already followed in this chain; past `maxRedirects` the chain stops.
 * - `requested`: `METHOD url` of every request made in the chain; asking again for one of them is
 *   a loop (a 303 from POST /form to GET /form is not: the method differs).
 *
 * RFC 9110 §15.4.4: after a 303 the next request is a GET (HEAD stays HEAD); §15.4.2/§15.4.3:
 * after a 301 or 302 a POST becomes a GET, as every user agent does; the body and the headers
 * describing it go. 307 and 308 (§15.4.8, §15.4.9) keep the method and the body.
 *
 * Credentials written into the Location (`http://user:pass@host/`): RFC 9110 §4.2.4 says a
 * server must not send them and a client should distrust them (they serve to disguise the
 * authority). They are used only when the hop stays on the origin of the chain's first request
 * (curl's rule: credentials go to the host the user named, never to another) and of the response
 * that carried them (a server hands out credentials for itself only — stricter than curl, which
 * would also use them on a way back to the first origin); otherwise they are dropped.
 */
export function nextHop(
  first: Target,
  current: Target,
  status: number,
  location: string,
  followed: number,
  maxRedirects: number,
  requested: ReadonlySet<string>,
): Hop {
  if (followed >= maxRedirects) {
    return {
      ok: false,
      code: 'too_many_redirects',
      message: `${status} from ${current.url} after ${followed} redirects (limit ${maxRedirects})`,
    };
  }
  let href: string;
  let parsed: ReturnType<typeof parseTargetUrl>;
  try {
    // RFC 9110 §10.2.2: a relative reference is resolved against the URL of the request.
    href = new URL(locationReference(location), current.url).href;
    parsed = parseTargetUrl(href);
  } catch (err) {
    const why = err instanceof Error && err.message !== 'Invalid URL' ? `: ${err.message}` : '';
    return {
      ok: false,
      code: 'protocol',
      message: `${status} from ${current.url} with an unusable Location ${JSON.stringify(withoutUserinfo(locationReference(location)).slice(0, 200))}${why}`,
    };
  }
  const toGet =
    (status === 303 && current.method !== 'GET' && current.method !== 'HEAD') ||
    ((status === 301 || status === 302) && current.method === 'POST');
  const method = toGet ? 'GET' : current.method;
  if (requested.has(`${method} ${parsed.url}`)) {
    return {
      ok: false,
      code: 'too_many_redirects',
      message: `redirect loop: ${status} from ${current.url} back to ${method} ${parsed.url} after ${followed} redirects`,
    };
  }
  const crossOrigin =
    parsed.protocol !== current.protocol || parsed.hostname !== current.hostname || parsed.port !== current.port;
  // Headers bound to an origin (--header-for) are never carried over: each hop starts from the
  // unbound ones and gets the bound headers of its own origin, if any: no credential reaches another origin.
  let headers = hopHeaders(current.bound?.unbound ?? current.headers, crossOrigin, toGet);
  const firstOrigin =
    parsed.protocol === first.protocol && parsed.hostname === first.hostname && parsed.port === first.port;
  if (parsed.authorization !== undefined && firstOrigin && !crossOrigin) {
    headers = [
      ...headers.filter(([n]) => n.toLowerCase() !== 'authorization'),
      ['Authorization', parsed.authorization],
    ];
  }
  const unbound = headers;
  if (current.bound !== undefined) headers = headersFor(current.bound, unbound, originKey(parsed));
  const target: Target = {
    index: current.index,
    input: current.input,
    url: parsed.url,
    protocol: parsed.protocol,
    hostname: parsed.hostname,
    port: parsed.port,
    path: parsed.path,
    method,
    headers,
    body: toGet ? null : current.body,
  };
  if (current.name !== undefined) target.name = current.name;
  if (current.timeout !== undefined) target.timeout = current.timeout;
  if (current.expect !== undefined) target.expect = current.expect;
  if (current.bound !== undefined) target.bound = { ...current.bound, unbound };
  // The result is built from the last hop's target: where the first was found stays with it.
  copyOrigin(current, target);
  return { ok: true, target };
}

/** `scheme://user:pass@host…` without its user info: credentials never go into a message. */
function withoutUserinfo(location: string): string {
  return location.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)[^/?#]*@/, '$1…@');
}

/** The same list when nothing is dropped, so the request writer's per-list cache still hits. */
function hopHeaders(headers: HeaderList, crossOrigin: boolean, dropBody: boolean): HeaderList {
  if (!crossOrigin && !dropBody) return headers;
  const drop = (name: string): boolean => {
    const lower = name.toLowerCase();
    return (crossOrigin && ORIGIN_BOUND.has(lower)) || (dropBody && BODY_HEADERS.has(lower));
  };
  return headers.some(([n]) => drop(n)) ? headers.filter(([n]) => !drop(n)) : headers;
}
