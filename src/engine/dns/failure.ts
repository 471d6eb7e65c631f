/**
 * What a failed lookup means, as one phrase for the `dns` error's message. The c-ares codes map
 * to the DNS response codes (RFC 1035 §4.1.1) they came from; getaddrinfo's EAI_* codes (a
 * library user's own `lookup`) to the nearest meaning.
 */
export function dnsFailure(errno: string | undefined): string {
  switch (errno) {
    case 'ENOTFOUND':
    case 'EAI_NONAME':
      return 'no such name (NXDOMAIN)';
    case 'ENODATA':
    case 'EAI_NODATA':
      return 'the name has no address record (NODATA)';
    case 'ESERVFAIL':
    case 'EAI_FAIL':
      return 'the DNS server failed (SERVFAIL)';
    case 'EAI_AGAIN':
      return 'temporary DNS failure (EAI_AGAIN)';
    case 'ETIMEOUT':
      return 'no answer from the DNS server (timeout)';
    case 'EREFUSED':
      return 'the DNS server refused the query (REFUSED)';
    case 'ECONNREFUSED':
      return 'cannot reach the DNS server (ECONNREFUSED)';
    case 'EBADRESP':
    case 'EFORMERR':
      return `malformed answer from the DNS server (${errno})`;
    case undefined:
      return 'no address';
    default:
      return errno;
  }
}

/** An error with a DNS `code`, as node's resolvers make them. */
export function dnsError(code: string, hostname: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code} ${hostname}`), { code, hostname });
}
