/**
 * The peer's header block could not be decoded (RFC 7541 §3, §5, §6). HPACK state is shared by
 * every stream of the connection, so after this the connection is unusable: RFC 9113 §4.3 makes
 * it a connection error of type COMPRESSION_ERROR.
 */
export class HpackError extends Error {
  override readonly name = 'HpackError';
  /** Stable: the session maps it to a COMPRESSION_ERROR GOAWAY and fails the connection's streams. */
  readonly code = 'compression';
}
