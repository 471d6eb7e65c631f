/** Builders for the exact response bytes the test servers send. */

// Only the phrases our fixtures use; the reason phrase carries no meaning (RFC 9112 §4), so an
// unknown code just gets a placeholder.
const REASONS: Readonly<Record<number, string>> = {
  100: 'Continue',
  101: 'Switching Protocols',
  103: 'Early Hints',
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  301: 'Moved Permanently',
  302: 'Found',
  304: 'Not Modified',
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Content Too Large',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function reason(status: number): string {
  return REASONS[status] ?? 'Unknown';
}

export type ResponseHeaders = ReadonlyArray<readonly [name: string, value: string]>;

/** `HTTP/1.1 <status> <reason>` + header lines + the blank line. */
export function head(status: number, headers: ResponseHeaders = []): string {
  let out = `HTTP/1.1 ${status} ${reason(status)}\r\n`;
  for (const [name, value] of headers) out += `${name}: ${value}\r\n`;
  return `${out}\r\n`;
}

/** A complete response with `Content-Length` framing. */
export function response(status: number, body: Buffer | string = '', headers: ResponseHeaders = []): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  return Buffer.concat([Buffer.from(head(status, [...headers, ['Content-Length', String(bytes.length)]])), bytes]);
}

/** One chunk in chunked transfer coding (RFC 9112 §7.1): hex size, CRLF, data, CRLF. */
export function chunk(data: Buffer | string): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')]);
}

/** The last chunk and an empty trailer section (RFC 9112 §7.1). */
export const LAST_CHUNK = '0\r\n\r\n';

const ALPHABET = Buffer.from('abcdefghijklmnopqrstuvwxyz');

/**
 * Body bytes that a test can check without keeping a copy: byte `i` of a body is
 * `'a' + i % 26`. `offset` continues the pattern for a body sent in pieces.
 */
export function patternBytes(length: number, offset = 0): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = ALPHABET[(offset + i) % 26] ?? 0x61;
  return out;
}
