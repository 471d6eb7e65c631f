import type { Target } from '../../types.js';
import { ACCEPT_ENCODING, hostHeader } from '../request.js';

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
  let authority = hostHeader(target);
  const fields: string[] = [
    ':method',
    target.method,
    ':scheme',
    target.protocol === 'https:' ? 'https' : 'http',
    ':authority',
    '',
    ':path',
    target.path,
  ];
  let userAgentSet = false;
  let acceptSet = false;
  let encodingSet = false;
  for (const [rawName, value] of target.headers) {
    const name = rawName.toLowerCase();
    if (name === 'host') authority = value;
    // TE is allowed with "trailers" only (RFC 9113 §8.2.2); anything else it could say is hop-by-hop.
    if (DROPPED.has(name) || name === 'content-length' || (name === 'te' && value.toLowerCase() !== 'trailers')) {
      continue;
    }
    if (name === 'user-agent') userAgentSet = true;
    else if (name === 'accept') acceptSet = true;
    else if (name === 'accept-encoding') encodingSet = true;
    fields.push(name, value);
  }
  fields[5] = authority;
  if (!userAgentSet) fields.push('user-agent', userAgent);
  if (!acceptSet) fields.push('accept', '*/*');
  if (acceptEncoding && !encodingSet) fields.push('accept-encoding', ACCEPT_ENCODING);
  const body = target.body;
  if (body !== null) fields.push('content-length', String(body.length));
  else if (target.method === 'POST' || target.method === 'PUT' || target.method === 'PATCH') {
    fields.push('content-length', '0');
  }
  return fields;
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
