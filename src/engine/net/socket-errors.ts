import type { ErrorCode } from '../../types.js';
import type { ExchangePhase } from '../exchange.js';

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);

/**
 * Maps a socket error to a result error code by its errno/OpenSSL `code` — never by message
 * text. `label` is `host:port`.
 */
export function describeSocketError(
  err: NodeJS.ErrnoException,
  phase: ExchangePhase,
  label: string,
): { code: ErrorCode; message: string; phase?: 'connect' } {
  const errno = err.code ?? '';
  if (DNS_CODES.has(errno)) return { code: 'dns', message: `cannot resolve ${label}: ${errno}` };
  if (errno === 'ECONNREFUSED') return { code: 'refused', message: `connection refused by ${label}` };
  if (errno === 'ECONNRESET' || errno === 'EPIPE') {
    return { code: 'reset', message: `connection reset by ${label} during ${phaseName(phase)}` };
  }
  if (phase === 'tls') {
    // OpenSSL verification codes (CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID, …) are stable.
    return { code: 'tls', message: `TLS handshake with ${label} failed: ${errno || 'error'}: ${oneLine(err.message)}` };
  }
  if (errno === 'ETIMEDOUT')
    return { code: 'timeout', phase: 'connect', message: `connection to ${label} timed out (${errno})` };
  return { code: 'connect', message: `connection to ${label} failed: ${errno || oneLine(err.message)}` };
}

function phaseName(phase: ExchangePhase): string {
  switch (phase) {
    case 'connect':
      return 'connect';
    case 'tls':
      return 'the TLS handshake';
    case 'headers':
      return 'the request';
    case 'body':
      return 'the response body';
    default:
      return phase;
  }
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
