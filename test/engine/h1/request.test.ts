/**
 * Request heads (request.ts): the bytes of a request, whichever of its cached parts (per header
 * list: the fields after Host; per Host value: everything after the request target) were made
 * for an earlier request.
 */
import { describe, expect, it } from 'vitest';
import { serializeRequest } from '../../../src/engine/h1/request.js';
import { prepareTarget } from '../../../src/targets/index.js';
import type { HeaderList, Target } from '../../../src/types.js';

function target(url: string, extra: { method?: string; headers?: Record<string, string>; body?: string } = {}): Target {
  const t = prepareTarget({ url, ...extra }, 0, {});
  if ('invalid' in t) throw new Error(t.invalid);
  return t;
}

const text = (bytes: string | Buffer): string => (typeof bytes === 'string' ? bytes : bytes.toString('latin1'));

describe('serializeRequest', () => {
  it('writes the request line, Host, the fields after it and the empty line', () => {
    expect(serializeRequest(target('http://a.test:8080/x?y=1'), 'ua/1')).toBe(
      'GET /x?y=1 HTTP/1.1\r\nHost: a.test:8080\r\nUser-Agent: ua/1\r\nAccept: */*\r\n\r\n',
    );
    expect(serializeRequest(target('http://a.test/', { method: 'HEAD' }), 'ua/1')).toBe(
      'HEAD / HTTP/1.1\r\nHost: a.test\r\nUser-Agent: ua/1\r\nAccept: */*\r\n\r\n',
    );
    expect(serializeRequest(target('http://a.test/', { method: 'POST' }), 'ua/1')).toBe(
      'POST / HTTP/1.1\r\nHost: a.test\r\nUser-Agent: ua/1\r\nAccept: */*\r\nContent-Length: 0\r\n\r\n',
    );
    expect(text(serializeRequest(target('http://a.test/', { body: 'hi' }), 'ua/1'))).toBe(
      'POST / HTTP/1.1\r\nHost: a.test\r\nUser-Agent: ua/1\r\nAccept: */*\r\nContent-Length: 2\r\n\r\nhi',
    );
  });

  it('gives the same bytes for every request of a header list, over many hosts, user agents and forms', () => {
    const headers: HeaderList = [['X-Run', 'r']];
    const forms = [undefined, { absolute: true, acceptEncoding: true }, { absolute: false, acceptEncoding: true }];
    const expected = (host: string, port: number, ua: string, form: (typeof forms)[number]): string => {
      const authority = port === 80 ? host : `${host}:${port}`;
      const requestTarget = form?.absolute === true ? `http://${authority}/p` : '/p';
      const encoding = form?.acceptEncoding === true ? 'Accept-Encoding: gzip, deflate, br\r\n' : '';
      return `GET ${requestTarget} HTTP/1.1\r\nHost: ${authority}\r\nUser-Agent: ${ua}\r\nAccept: */*\r\n${encoding}X-Run: r\r\n\r\n`;
    };
    // More distinct hosts than are kept per list, each asked again, under each user agent and
    // form in turn (which changes the fields after Host that were kept for an earlier request).
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 300; i++) {
        const host = `h${i}.test`;
        const port = i % 3 === 0 ? 80 : 8000 + i;
        const t = prepareTarget({ url: `http://${host}:${port}/p` }, i, { headers }) as Target;
        const authority = port === 80 ? host : `${host}:${port}`;
        for (const ua of ['ua/1', 'other/2']) {
          for (const form of forms) {
            expect(serializeRequest(t, ua, form)).toBe(expected(host, port, ua, form));
            // The Host value handed in by a connection gives the same bytes.
            expect(serializeRequest(t, ua, form, authority)).toBe(expected(host, port, ua, form));
          }
        }
      }
    }
  });

  it('leaves Host out when the user gave one', () => {
    expect(serializeRequest(target('http://a.test/', { headers: { Host: 'b.test' } }), 'ua/1')).toBe(
      'GET / HTTP/1.1\r\nUser-Agent: ua/1\r\nAccept: */*\r\nHost: b.test\r\n\r\n',
    );
  });
});
