import { parseTargetUrl } from '../targets/url.js';
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

/** The next request of a chain, or why the chain stops. */
export type Hop =
  | { ok: true; target: Target }
  | { ok: false; code: 'too_many_redirects' | 'protocol'; message: string };

/**
 * Decides the request that follows a redirect response.
 *
 * - `followed`: redirects already followed in this chain; past `maxRedirects` the chain stops.
 * - `requested`: `METHOD url` of every request made in the chain; asking again for one of them is
 *   a loop (a 303 from POST /form to GET /form is not: the method differs).
 *
 * RFC 9110 §15.4.4: after a 303 the next request is a GET (HEAD stays HEAD); §15.4.2/§15.4.3:
 * after a 301 or 302 a POST becomes a GET, as every user agent does; the body and the headers
 * describing it go. 307 and 308 (§15.4.8, §15.4.9) keep the method and the body.
 */
export function nextHop(
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
    href = new URL(location, current.url).href;
    parsed = parseTargetUrl(href);
  } catch (err) {
    const why = err instanceof Error && err.message !== 'Invalid URL' ? `: ${err.message}` : '';
    return {
      ok: false,
      code: 'protocol',
      message: `${status} from ${current.url} with an unusable Location ${JSON.stringify(location.slice(0, 200))}${why}`,
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
  let headers = hopHeaders(current.headers, crossOrigin, toGet);
  if (parsed.authorization !== undefined) {
    // Credentials written into the Location (`user:pass@`) are used as a target's would be.
    headers = [
      ...headers.filter(([n]) => n.toLowerCase() !== 'authorization'),
      ['Authorization', parsed.authorization],
    ];
  }
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
  return { ok: true, target };
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
