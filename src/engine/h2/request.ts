import type { Target } from '../../types.js';
import { ACCEPT_ENCODING, hostHeader } from '../h1/request.js';

/**
 * RFC 9113 §8.2.2: connection-specific fields have no meaning in HTTP/2 and make a request
 * malformed; the authority goes in `:authority` instead of Host (§8.3.1).
 */
const DROPPED = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host']);

/**
 * An HTTP/2 request's field list, flat ([name, value, …]), names lower-case, pseudo-header fields
 * first (RFC 9113 §8.3): what the HPACK encoder takes. Built from the same target an HTTP/1.1
 * request is written from (header names and values were validated when the target was read).
 */
export function h2Fields(target: Target, userAgent: string, acceptEncoding: boolean): string[] {
  const regular = regularFields(target.headers, userAgent, acceptEncoding);
  const fields: string[] = [
    ':method',
    target.method,
    ':scheme',
    target.protocol === 'https:' ? 'https' : 'http',
    ':authority',
    regular.host ?? hostHeader(target),
    ':path',
    target.path,
    ...regular.fields,
  ];
  pushContentLength(fields, target);
  return fields;
}

/** What a header list makes of a request's fields after the pseudo-header fields. */
interface RegularFields {
  /** The last Host header's value, which is the request's `:authority`; null: none. */
  host: string | null;
  /** The regular fields, flat, without content-length (ours to compute, per request). */
  fields: string[];
}

function regularFields(headers: Target['headers'], userAgent: string, acceptEncoding: boolean): RegularFields {
  let host: string | null = null;
  const fields: string[] = [];
  let userAgentSet = false;
  let acceptSet = false;
  let encodingSet = false;
  for (const [rawName, value] of headers) {
    const name = rawName.toLowerCase();
    if (name === 'host') host = value;
    // TE is allowed with "trailers" only (RFC 9113 §8.2.2); anything else it could say is hop-by-hop.
    if (DROPPED.has(name) || name === 'content-length' || (name === 'te' && value.toLowerCase() !== 'trailers')) {
      continue;
    }
    if (name === 'user-agent') userAgentSet = true;
    else if (name === 'accept') acceptSet = true;
    else if (name === 'accept-encoding') encodingSet = true;
    fields.push(name, value);
  }
  if (!userAgentSet) fields.push('user-agent', userAgent);
  if (!acceptSet) fields.push('accept', '*/*');
  if (acceptEncoding && !encodingSet) fields.push('accept-encoding', ACCEPT_ENCODING);
  return { host, fields };
}

function pushContentLength(fields: string[], target: Target): void {
  const body = target.body;
  if (body !== null) fields.push('content-length', String(body.length));
  else if (target.method === 'POST' || target.method === 'PUT' || target.method === 'PATCH') {
    fields.push('content-length', '0');
  }
}

/**
 * {@link h2Fields} for one session's requests, without its per-request work: the list is one
 * array reused for every request (the HPACK encoder reads it and keeps none of it), the fields
 * after the pseudo-header fields are worked out once per header list (targets given the run's
 * `-H` flags share one), and `:authority` once per host and port (a session's requests all go to
 * one origin). Gives the same list as h2Fields for every target.
 */
export class H2RequestFields {
  private readonly list: string[] = [];
  /** The header list {@link regular} was made from; null: none yet. */
  private headers: Target['headers'] | null = null;
  private regular: RegularFields = { host: null, fields: [] };
  /** The authority of the last target without a Host header, and what it was made from. */
  private authority = '';
  private hostname = '';
  private port = -1;
  private protocol = '';

  constructor(
    private readonly userAgent: string,
    private readonly acceptEncoding: boolean,
  ) {}

  /** The target's field list, as h2Fields makes it; valid until the next call. */
  fields(target: Target): string[] {
    if (target.headers !== this.headers) {
      this.regular = regularFields(target.headers, this.userAgent, this.acceptEncoding);
      this.headers = target.headers;
    }
    const regular = this.regular;
    const list = this.list;
    // Written in place and cut to length (not emptied and pushed): the array keeps its storage.
    list[0] = ':method';
    list[1] = target.method;
    list[2] = ':scheme';
    list[3] = target.protocol === 'https:' ? 'https' : 'http';
    list[4] = ':authority';
    list[5] = regular.host ?? this.authorityFor(target);
    list[6] = ':path';
    list[7] = target.path;
    const rest = regular.fields;
    let n = 8;
    for (let i = 0; i < rest.length; i++) list[n++] = rest[i]!;
    const body = target.body;
    if (body !== null) {
      list[n++] = 'content-length';
      list[n++] = String(body.length);
    } else if (target.method === 'POST' || target.method === 'PUT' || target.method === 'PATCH') {
      list[n++] = 'content-length';
      list[n++] = '0';
    }
    list.length = n;
    return list;
  }

  private authorityFor(target: Target): string {
    if (target.hostname !== this.hostname || target.port !== this.port || target.protocol !== this.protocol) {
      this.authority = hostHeader(target);
      this.hostname = target.hostname;
      this.port = target.port;
      this.protocol = target.protocol;
    }
    return this.authority;
  }
}

/** RFC 9113 §7 error code names, by code. */
const ERROR_NAMES = [
  'NO_ERROR',
  'PROTOCOL_ERROR',
  'INTERNAL_ERROR',
  'FLOW_CONTROL_ERROR',
  'SETTINGS_TIMEOUT',
  'STREAM_CLOSED',
  'FRAME_SIZE_ERROR',
  'REFUSED_STREAM',
  'CANCEL',
  'COMPRESSION_ERROR',
  'CONNECT_ERROR',
  'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY',
  'HTTP_1_1_REQUIRED',
];

/** `INTERNAL_ERROR (2)`; an unknown code is shown as a number only (RFC 9113 §7: treat as INTERNAL_ERROR). */
export function h2ErrorName(code: number): string {
  const name = ERROR_NAMES[code];
  return name === undefined ? `error ${code}` : `${name} (${code})`;
}
