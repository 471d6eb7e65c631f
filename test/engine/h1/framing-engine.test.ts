/**
 * The parser's RFC 9112 classes through the whole engine, against raw servers: a response whose
 * Transfer-Encoding does not end in chunked is read until the server closes and its connection is
 * not reused (§6.3 rule 4); a malformed chunk extension or trailer line is error `protocol`.
 */
import { describe, expect, it } from 'vitest';
import { rawServer, send } from '../../helpers/servers.js';
import { run } from '../harness.js';
import { closeAfterEach } from '../../helpers/track.js';

const start = closeAfterEach();

/** Answers every request on a connection with `head` + `body`, then closes the connection if `close`. */
function answering(text: string, close: boolean) {
  return start(
    rawServer((ctx) =>
      ctx.socket.on('data', () => {
        send(ctx.socket, text);
        if (close) ctx.socket.end();
      }),
    ),
  );
}

describe('Transfer-Encoding not ending in chunked, through the engine', () => {
  for (const te of ['chunked, gzip', 'chunked\r\nTransfer-Encoding: identity', 'x-custom']) {
    it(`${JSON.stringify(te)}: the body runs to the close, and every request gets its own connection`, async () => {
      const body = '5\r\nhello\r\n0\r\n\r\n';
      const server = await answering(`HTTP/1.1 200 OK\r\nTransfer-Encoding: ${te}\r\n\r\n${body}`, true);
      const results = await run([`${server.url}/a`, `${server.url}/b`], { concurrency: 1, perHost: 1, timeout: 3000 });
      for (const r of results) {
        expect(r).toMatchObject({ ok: true, status: 200, error: null, bytes: body.length, reused: false });
      }
      expect(server.connections).toBe(2);
    });
  }
});

describe('chunk extensions and trailers, through the engine', () => {
  for (const [name, text] of [
    [
      'a chunk extension without a name',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;\r\nhello\r\n0\r\n\r\n',
    ],
    [
      'a trailer field name with a space before its colon',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Sum : 1\r\n\r\n',
    ],
  ] as const) {
    it(`${name} is error protocol`, async () => {
      const server = await answering(text, false);
      const [r] = await run([`${server.url}/`], { timeout: 3000 });
      expect(r?.error?.code).toBe('protocol');
    });
  }
});
