/**
 * Issue 9 item 4, "curl's meanings", as a curl user types them: -d means POST (of a file with
 * @), -I, -A, -u, -m, no per-host cap unless --per-host, and arguments that are targets even
 * when they end like a file name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { response, startHttpServer, type ServerRequest, type TestServer } from '../helpers/servers.js';
import { expectNoCrash, expectUsageError, parseNdjson, runCli, tempDir } from './harness.js';

let server: TestServer;
let tmp: Awaited<ReturnType<typeof tempDir>>;
let seq = 0;

beforeAll(async () => {
  server = await startHttpServer({
    '/robots.txt': (_req, ctx) => {
      ctx.socket.write(response(200, 'User-agent: *\n', [['Content-Type', 'text/plain']]));
    },
    '/x.json': (_req, ctx) => {
      ctx.socket.write(response(200, '{}', [['Content-Type', 'application/json']]));
    },
  });
  tmp = await tempDir();
});
afterAll(async () => {
  await server.close();
  await tmp.cleanup();
});

/** A URL on the test server with a tag, and a way to find the request it caused. */
function tagged(path = '/echo'): { url: string; request(): ServerRequest | undefined } {
  const tag = `c${++seq}`;
  return {
    url: `${server.url}${path}?t=${tag}`,
    request: () => server.received.find((r) => r.target.endsWith(`t=${tag}`)),
  };
}

describe('-d / --data-binary', () => {
  it('-d without -X sends a POST with a form Content-Type, as curl', async () => {
    const t = tagged();
    const run = await runCli(['--ndjson', '-d', 'a=1&b=2', t.url]);
    expect(run.code, run.stderr).toBe(0);
    const req = t.request()!;
    expect(req.method).toBe('POST');
    expect(req.body.toString()).toBe('a=1&b=2');
    expect(req.header('content-type')).toBe('application/x-www-form-urlencoded');
    expect(req.header('content-length')).toBe('7');
    expect(parseNdjson(run.stdout)[0]!.method).toBe('POST');
  });

  it("a user's Content-Type and -X win", async () => {
    const t = tagged();
    const run = await runCli(['-X', 'PUT', '-H', 'content-type: application/json', '-d', '{"a":1}', t.url]);
    expect(run.code, run.stderr).toBe(0);
    expect(t.request()!.method).toBe('PUT');
    expect(t.request()!.headers.filter(([n]) => n.toLowerCase() === 'content-type')).toEqual([
      ['content-type', 'application/json'],
    ]);
  });

  it('repeated -d are joined with &, as curl', async () => {
    const t = tagged();
    await runCli(['-d', 'a=1', '-d', 'b=2', t.url]);
    expect(t.request()!.body.toString()).toBe('a=1&b=2');
  });

  it('-d @file sends the file (CR and LF removed, as curl); --data-binary @file sends its exact bytes', async () => {
    const bytes = Buffer.from([0x7b, 0x0d, 0x0a, 0x20, 0x22, 0x61, 0x22, 0x3a, 0x31, 0x0a, 0x7d, 0x00, 0xff, 0x0a]);
    const file = await tmp.file('payload.json', bytes);
    const text = tagged();
    const binary = tagged();
    const run = await runCli(['-d', `@${file}`, text.url]);
    expect(run.code, run.stderr).toBe(0);
    const run2 = await runCli(['--data-binary', `@${file}`, binary.url]);
    expect(run2.code, run2.stderr).toBe(0);
    expect(text.request()!.method).toBe('POST');
    expect(text.request()!.body).toEqual(Buffer.from([0x7b, 0x20, 0x22, 0x61, 0x22, 0x3a, 0x31, 0x7d, 0x00, 0xff]));
    expect(binary.request()!.method).toBe('POST');
    expect(binary.request()!.body).toEqual(bytes);
    expect(binary.request()!.header('content-type')).toBe('application/x-www-form-urlencoded');
  });

  it('an unreadable @file is one usage line naming the path and why', async () => {
    const missing = `${tmp.dir}/nope.json`;
    const before = server.requests;
    expectUsageError(await runCli(['-d', `@${missing}`, tagged().url]), `-d: cannot read ${missing}: no such file`);
    expectUsageError(await runCli(['--data-binary', `@${tmp.dir}`, tagged().url]), 'is a directory');
    expect(server.requests).toBe(before);
  });

  it('a target file body without a method is a POST too (no form type: that is only for -d)', async () => {
    const t = tagged();
    const own = tagged();
    const list = await tmp.file(
      'bodies.json',
      JSON.stringify({
        defaults: { body: 'from-defaults' },
        targets: [t.url, { url: own.url, body: 'own' }],
      }),
    );
    const run = await runCli([list]);
    expect(run.code, run.stderr).toBe(0);
    expect([t.request()!.method, t.request()!.body.toString()]).toEqual(['POST', 'from-defaults']);
    expect([own.request()!.method, own.request()!.body.toString()]).toEqual(['POST', 'own']);
    expect(own.request()!.header('content-type')).toBeUndefined();
  });

  it("-d's form type is not forced on a target with its own body", async () => {
    const own = tagged();
    const list = await tmp.file('own-body.json', JSON.stringify([{ url: own.url, body: 'x' }]));
    await runCli(['-d', 'a=1', list]);
    expect(own.request()!.body.toString()).toBe('x');
    expect(own.request()!.header('content-type')).toBeUndefined();
  });
});

describe('-I, -A, -u, -m', () => {
  it('-I sends HEAD; with -d it is a usage error', async () => {
    const t = tagged('/ok');
    const run = await runCli(['--ndjson', '-I', t.url]);
    expect(run.code, run.stderr).toBe(0);
    expect(t.request()!.method).toBe('HEAD');
    expectUsageError(await runCli(['-I', '-d', 'x', tagged().url]), 'HEAD');
    expectUsageError(await runCli(['-I', '-X', 'GET', tagged().url]), 'cannot be used with');
  });

  it('-A / --user-agent sets User-Agent; a -H User-Agent still wins', async () => {
    const a = tagged('/ok');
    const b = tagged('/ok');
    await runCli(['-A', 'curl-ish/1.0', a.url]);
    await runCli(['--user-agent', 'x/1', '-H', 'User-Agent: from-h', b.url]);
    expect(a.request()!.header('user-agent')).toBe('curl-ish/1.0');
    expect(b.request()!.header('user-agent')).toBe('from-h');
  });

  it('-u user:pass sends Basic auth; without a password it is a usage error that does not echo the value', async () => {
    const t = tagged('/ok');
    const run = await runCli(['-u', 'alice:s3cr:et', t.url]);
    expect(run.code, run.stderr).toBe(0);
    expect(t.request()!.header('authorization')).toBe(`Basic ${Buffer.from('alice:s3cr:et').toString('base64')}`);
    const bad = await runCli(['--user', 'alice-secret', tagged().url]);
    expectUsageError(bad, 'user:password');
    expect(bad.stderr).not.toContain('alice-secret');
  });

  it('-m / --max-time is --timeout', async () => {
    const run = await runCli(['--ndjson', '-m', '300ms', `${server.url}/never`]);
    expect(run.code).toBe(1);
    const [r] = parseNdjson(run.stdout);
    expect(r!.error).toMatchObject({ code: 'timeout' });
    expect(r!.error!.message).toContain('300');
    expectUsageError(await runCli(['-m', 'soon', tagged().url]), '--max-time: invalid duration "soon"');
    expectUsageError(await runCli(['-m', '1s', '-t', '2s', tagged().url]), 'cannot be used with');
  });
});

describe('connections per origin', () => {
  it('without --per-host, one host gets all of -c once it answered; --per-host still caps', async () => {
    let inFlight = 0;
    let peak = 0;
    let quorum = 12;
    const waiting: Array<() => void> = [];
    const gate = await startHttpServer({
      '/gate': (_req, ctx) =>
        new Promise<void>((done) => {
          inFlight++;
          peak = Math.max(peak, inFlight);
          const answer = (): void => {
            inFlight--;
            ctx.socket.write(response(200, 'ok'));
            done();
          };
          waiting.push(answer);
          // All answer once `quorum` requests are in (or after 2 s, so a cap never hangs the test).
          if (waiting.length >= quorum) for (const w of waiting.splice(0)) w();
          else ctx.later(2000, () => waiting.includes(answer) && waiting.splice(waiting.indexOf(answer), 1)[0]!());
        }),
    });
    try {
      const urls = Array.from({ length: 12 }, () => `${gate.url}/gate`);
      // Until its first answer an origin may hold half of -c (issue 24): /ok answers at once.
      const run = await runCli(['--ndjson', '-c', '12', `${gate.url}/ok`, ...urls]);
      expect(run.code, run.stderr).toBe(0);
      expect(peak).toBe(12);
      peak = 0;
      quorum = 3;
      const capped = await runCli(['--ndjson', '-c', '12', '--per-host', '3', ...urls]);
      expect(capped.code, capped.stderr).toBe(0);
      expect(peak).toBe(3);
    } finally {
      await gate.close();
    }
  });
});

describe('arguments: a target file only if it exists', () => {
  it('host:port/robots.txt and host:port/x.json are targets', async () => {
    const host = `127.0.0.1:${server.port}`;
    const run = await runCli(['--ndjson', `${host}/robots.txt`, `${host}/x.json`, `localhost:${server.port}/x.json`]);
    expectNoCrash(run);
    expect(run.code, run.stderr).toBe(0);
    const results = parseNdjson(run.stdout).sort((a, b) => a.index - b.index);
    expect(results.map((r) => [r.url, r.status])).toEqual([
      [`http://${host}/robots.txt`, 200],
      [`http://${host}/x.json`, 200],
      [`http://localhost:${server.port}/x.json`, 200],
    ]);
  });

  it.each(['missing/urls.json', 'urls.json', './targets', 'lists/smoke', 'list.csv'])(
    'a missing %s that looks like a file is "no such file"',
    async (name) => {
      const run = await runCli([name], { cwd: tmp.dir });
      expectUsageError(run, `no such file: ${name}`);
    },
  );

  it('an existing file of any name is read as targets; a shorthand with a dotted host is a target', async () => {
    const t = tagged('/ok');
    await tmp.file('smoke', `${t.url}\n`);
    const run = await runCli(['--ndjson', 'smoke'], { cwd: tmp.dir });
    expect(run.code, run.stderr).toBe(0);
    expect(t.request()).toBeDefined();
    // example.com/health names a host, not a folder: it stays a target. --resolve keeps it on
    // loopback (port 80 there: refused or not, it was taken as a URL, not as a missing file).
    const pinned = await runCli([
      '--ndjson',
      '-t',
      '2s',
      '--resolve',
      'example.com:80:127.0.0.1',
      'example.com/health',
    ]);
    expectNoCrash(pinned);
    expect(parseNdjson(pinned.stdout)[0]!.url).toBe('http://example.com/health');
  });
});
