/**
 * Redirect details that real servers exposed (issue 12, items 13, 15, 16): a Location in raw
 * UTF-8, an empty Location, and credentials written into a Location. Against local servers;
 * what each hop sent is checked server side.
 */
import { describe, expect, it } from 'vitest';
import { locationReference } from '../../src/engine/redirect.js';
import { head, response, send, startHttpServer, type Routes, type TestServer } from '../helpers/servers.js';
import { one } from './harness.js';
import { closeAfterEach } from '../helpers/track.js';

const track = closeAfterEach();
const start = (routes: Routes): Promise<TestServer> => track(startHttpServer(routes));

/** A 302 whose Location field carries exactly these bytes. */
const redirectBytes = (location: Buffer): Buffer =>
  Buffer.concat([
    Buffer.from('HTTP/1.1 302 Found\r\nContent-Length: 0\r\nLocation: ', 'latin1'),
    location,
    Buffer.from('\r\n\r\n', 'latin1'),
  ]);

const ok =
  (body = 'ok'): Routes[string] =>
  (_req, ctx) =>
    send(ctx.socket, response(200, body));

function authorizationOf(server: TestServer, path: string): string[] {
  const req = server.received.find((r) => r.target === path);
  if (req === undefined) throw new Error(`no request for ${path}`);
  return req.headers.filter(([n]) => n.toLowerCase() === 'authorization').map(([, v]) => v);
}

describe('a Location in raw UTF-8 (item 13; RFC 9110 §5.5: field values are octets)', () => {
  it('percent-encodes the octets as received, once', () => {
    const latin1 = Buffer.from('/dir/ü file.txt', 'utf8').toString('latin1');
    expect(locationReference(latin1)).toBe('/dir/%C3%BC file.txt');
    expect(locationReference('/plain?a=b')).toBe('/plain?a=b');
    expect(locationReference('\xe9')).toBe('%E9');
  });

  it('follows `/dir/ü file.txt` sent as UTF-8 bytes (as nginx does) to /dir/%C3%BC%20file.txt', async () => {
    const a = await start({
      '/start': (_req, ctx) => send(ctx.socket, redirectBytes(Buffer.from('/dir/ü file.txt', 'utf8'))),
      '/dir/%C3%BC%20file.txt': ok('found'),
    });
    const r = await one(`${a.url}/start`, { follow: true, timeout: 2000 });
    expect(a.received.map((q) => q.target)).toEqual(['/start', '/dir/%C3%BC%20file.txt']);
    expect([r.status, r.finalUrl]).toEqual([200, `${a.url}/dir/%C3%BC%20file.txt`]);
  });

  it('keeps octets that are not UTF-8 as they are (latin1 é → %E9), in an absolute Location and its query', async () => {
    let a: TestServer | undefined;
    a = await start({
      '/start': (_req, ctx) =>
        send(ctx.socket, redirectBytes(Buffer.from(`http://127.0.0.1:${a!.port}/caf\xe9?q=\xe9t\xe9`, 'latin1'))),
      '/caf%E9?q=%E9t%E9': ok(),
    });
    const r = await one(`${a.url}/start`, { follow: true, timeout: 2000 });
    expect(a.received.map((q) => q.target)).toEqual(['/start', '/caf%E9?q=%E9t%E9']);
    expect(r.status).toBe(200);
  });

  it('leaves percent-encoding the server did itself alone', async () => {
    const a = await start({
      '/start': (_req, ctx) => send(ctx.socket, redirectBytes(Buffer.from('/dir/%C3%BC'))),
      '/dir/%C3%BC': ok(),
    });
    const r = await one(`${a.url}/start`, { follow: true, timeout: 2000 });
    expect([r.status, a.received.map((q) => q.target)]).toEqual([200, ['/start', '/dir/%C3%BC']]);
  });
});

describe('an empty Location (item 15)', () => {
  for (const [name, value] of [
    ['empty', ''],
    ['only whitespace', '  \t '],
  ] as const) {
    it(`${name}: the 3xx is the final answer, as without a Location (nginx \`return 302;\`)`, async () => {
      const a = await start({
        '/start': (_req, ctx) => send(ctx.socket, redirectBytes(Buffer.from(value, 'latin1'))),
      });
      const r = await one(`${a.url}/start`, { follow: true, timeout: 2000 });
      expect(r).toMatchObject({ status: 302, error: null, ok: true, redirects: [], finalUrl: `${a.url}/start` });
      expect(a.requests).toBe(1);
    });
  }

  it('a missing Location too (unchanged)', async () => {
    const a = await start({ '/start': (_req, ctx) => send(ctx.socket, `${head(301, [['Content-Length', '0']])}`) });
    const r = await one(`${a.url}/start`, { follow: true, timeout: 2000 });
    expect(r).toMatchObject({ status: 301, error: null, redirects: [] });
  });
});

describe('credentials written into a Location (item 16; RFC 9110 §4.2.4)', () => {
  const basic = `Basic ${Buffer.from('user:pass').toString('base64')}`;

  it('are not sent to another origin', async () => {
    let b: TestServer | undefined;
    const a = await start({
      '/in': (_req, ctx) => send(ctx.socket, redirectBytes(Buffer.from(`http://user:pass@127.0.0.1:${b!.port}/out`))),
    });
    b = await start({ '/out': ok() });
    const r = await one(`${a.url}/in`, { follow: true, timeout: 2000 });
    expect(r.status).toBe(200);
    expect(authorizationOf(b, '/out')).toEqual([]);
    // Nor do they appear in the result.
    expect(JSON.stringify(r)).not.toContain('pass');
  });

  it('are used on the same origin, the one the user named (as curl does)', async () => {
    let a: TestServer | undefined;
    a = await start({
      '/in': (_req, ctx) => send(ctx.socket, redirectBytes(Buffer.from(`http://user:pass@127.0.0.1:${a!.port}/auth`))),
      '/auth': ok(),
    });
    const r = await one(`${a.url}/in`, { follow: true, timeout: 2000 });
    expect(r.status).toBe(200);
    expect(authorizationOf(a, '/in')).toEqual([]);
    expect(authorizationOf(a, '/auth')).toEqual([basic]);
    expect(JSON.stringify(r)).not.toContain('pass');
  });

  it('replace the user’s own on the same origin, and are dropped with them on the next cross-origin hop', async () => {
    let a: TestServer | undefined;
    let b: TestServer | undefined;
    a = await start({
      '/in': (_req, ctx) => send(ctx.socket, redirectBytes(Buffer.from(`http://user:pass@127.0.0.1:${a!.port}/auth`))),
      '/auth': (_req, ctx) => send(ctx.socket, redirectBytes(Buffer.from(`${b!.url}/out`))),
    });
    b = await start({ '/out': ok() });
    const r = await one(
      { url: `${a.url}/in`, headers: { Authorization: 'Bearer mine' } },
      { follow: true, timeout: 2000 },
    );
    expect(r.status).toBe(200);
    expect(authorizationOf(a, '/in')).toEqual(['Bearer mine']);
    expect(authorizationOf(a, '/auth')).toEqual([basic]);
    expect(authorizationOf(b, '/out')).toEqual([]);
  });

  it('from another origin are not used even on a way back to the first origin (stricter than curl)', async () => {
    let b: TestServer | undefined;
    const a = await start({
      '/in': (_req, ctx) => send(ctx.socket, redirectBytes(Buffer.from(`${b!.url}/mid`))),
      '/back': ok(),
    });
    b = await start({
      '/mid': (_req, ctx) => send(ctx.socket, redirectBytes(Buffer.from(`http://user:pass@127.0.0.1:${a.port}/back`))),
    });
    const r = await one(`${a.url}/in`, { follow: true, timeout: 2000 });
    expect(r.status).toBe(200);
    expect(authorizationOf(a, '/back')).toEqual([]);
  });

  it('never appear in the message about an unusable Location', async () => {
    const a = await start({
      '/in': (_req, ctx) => send(ctx.socket, redirectBytes(Buffer.from('http://user:secret@[::1/x'))),
    });
    const r = await one(`${a.url}/in`, { follow: true, timeout: 2000 });
    expect(r.error?.code).toBe('protocol');
    expect(r.error?.message).not.toContain('secret');
    expect(r.error?.message).toContain('http://…@[::1/x');
  });
});
