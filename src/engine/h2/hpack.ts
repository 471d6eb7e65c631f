/**
 * HPACK (RFC 7541), the header compression of our own HTTP/2 framing: one encoder for the
 * requests and one decoder for the responses per connection. The pieces live in their own files
 * (decoder, encoder, Huffman code, static table); this is the module the session imports.
 */
export { type DecodedBlock, HpackDecoder } from './hpack-decoder.js';
export { HpackEncoder } from './hpack-encoder.js';
export { HpackError } from './hpack-error.js';
