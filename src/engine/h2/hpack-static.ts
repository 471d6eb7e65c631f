/**
 * The HPACK static table (RFC 7541 §2.3.1, Appendix A): index i (1-based) is
 * `STATIC_NAMES[i - 1]` / `STATIC_VALUES[i - 1]`.
 */

// biome-ignore format: one entry per line, as Appendix A lists them
export const STATIC_NAMES: readonly string[] = [
  ':authority', ':method', ':method', ':path', ':path', ':scheme', ':scheme', ':status', ':status', ':status',
  ':status', ':status', ':status', ':status', 'accept-charset', 'accept-encoding', 'accept-language',
  'accept-ranges', 'accept', 'access-control-allow-origin', 'age', 'allow', 'authorization', 'cache-control',
  'content-disposition', 'content-encoding', 'content-language', 'content-length', 'content-location',
  'content-range', 'content-type', 'cookie', 'date', 'etag', 'expect', 'expires', 'from', 'host', 'if-match',
  'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since', 'last-modified', 'link', 'location',
  'max-forwards', 'proxy-authenticate', 'proxy-authorization', 'range', 'referer', 'refresh', 'retry-after',
  'server', 'set-cookie', 'strict-transport-security', 'transfer-encoding', 'user-agent', 'vary', 'via',
  'www-authenticate',
];

/** The entries that have a value (indexes 2–14 and 16); every other value is empty. */
const VALUES = new Map<number, string>([
  [2, 'GET'],
  [3, 'POST'],
  [4, '/'],
  [5, '/index.html'],
  [6, 'http'],
  [7, 'https'],
  [8, '200'],
  [9, '204'],
  [10, '206'],
  [11, '304'],
  [12, '400'],
  [13, '404'],
  [14, '500'],
  [16, 'gzip, deflate'],
]);

export const STATIC_VALUES: readonly string[] = STATIC_NAMES.map((_, i) => VALUES.get(i + 1) ?? '');

/** 61. */
export const STATIC_LENGTH = STATIC_NAMES.length;
