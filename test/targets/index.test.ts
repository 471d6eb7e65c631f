import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { PreparedTarget, Target, TargetInput } from '../../src/types.js';
import { UsageError } from '../../src/errors.js';
import { prepareTargets, readTargets } from '../../src/targets/index.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'targets');

async function all<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

const summary = (t: PreparedTarget) =>
  'invalid' in t ? { index: t.index, invalid: t.invalid } : { index: t.index, url: t.url };

describe('prepareTargets', () => {
  it('indexes from 0 over a sync iterable', async () => {
    const got = await all(prepareTargets(['a.test', { url: 'ftp://b.test' }, 'c.test'], {}));
    expect(got.map(summary)).toEqual([
      { index: 0, url: 'http://a.test/' },
      { index: 1, invalid: 'field "url": unsupported scheme "ftp:" (use http or https)' },
      { index: 2, url: 'http://c.test/' },
    ]);
  });

  it('takes an async iterable and applies defaults', async () => {
    async function* gen(): AsyncGenerator<TargetInput> {
      yield 'a.test';
      yield { url: 'b.test', method: 'GET' };
    }
    const got = (await all(prepareTargets(gen(), { method: 'post' }))) as Target[];
    expect(got.map((t) => [t.index, t.method])).toEqual([
      [0, 'POST'],
      [1, 'GET'],
    ]);
  });
});

describe('readTargets', () => {
  it('numbers targets consecutively across sources, in order', async () => {
    const stdin = Readable.from([Buffer.from('s1.test\n\ns2.test\n')]);
    const targets = await readTargets(
      [
        { kind: 'arg', value: 'arg.test' },
        { kind: 'file', path: join(fixtures, 'strings.json') },
        { kind: 'stdin' },
        { kind: 'file', path: join(fixtures, 'urls.txt') },
      ],
      {},
      stdin,
    );
    const got = await all(targets);
    expect(got.map((t) => t.index)).toEqual(got.map((_, i) => i));
    expect(got.map((t) => t.input)).toEqual([
      'arg.test',
      'http://a.test/',
      'b.test:8080/x',
      'ftp://c.test',
      's1.test',
      's2.test',
      'http://a.test/health',
      'b.test:8080/x',
      'ftp://nope.test',
      'https://d.test/?q=1',
    ]);
    expect(got.filter((t) => 'invalid' in t).map((t) => t.index)).toEqual([3, 8]);
  });

  it("applies a file's defaults under the CLI's and the target's own", async () => {
    const got = (await all(
      await readTargets([{ kind: 'file', path: join(fixtures, 'document.json') }], { headers: [['X-Cli', 'c']] }),
    )) as Target[];
    expect(got[0]).toMatchObject({
      method: 'POST',
      timeout: 3000,
      headers: [
        ['Authorization', 'Bearer file'],
        ['X-File', '1'],
        ['X-Cli', 'c'],
      ],
      expect: { status: [[200, 299]], statusText: '2xx' },
    });
    expect(got[1]).toMatchObject({
      method: 'PUT',
      headers: [
        ['X-File', '1'],
        ['X-Cli', 'c'],
        ['authorization', 'Bearer own'],
      ],
    });
  });

  it('turns unreadable lines into invalid targets keeping their place', async () => {
    const stdin = Readable.from([Buffer.from('{"url":"a.test"}\n{nope}\n"c.test"\n')]);
    const got = await all(await readTargets([{ kind: 'stdin' }], {}, stdin));
    expect(got).toEqual([
      expect.objectContaining({ index: 0, url: 'http://a.test/' }),
      { index: 1, input: '{nope}', invalid: expect.stringMatching(/^stdin line 2: invalid JSON at column 2/) },
      expect.objectContaining({ index: 2, url: 'http://c.test/' }),
    ]);
  });

  it('makes binary garbage invalid targets, never an exception', async () => {
    const garbage = Buffer.from([0x00, 0xff, 0xfe, 0x0a, 0x80, 0x81, 0x1b, 0x5b, 0x0a, 0xc3, 0x28, 0x0a, 0x7f]);
    const stdin = Readable.from([Buffer.from('ok.test\n'), garbage, Buffer.from('\nok2.test\n')]);
    const got = await all(await readTargets([{ kind: 'stdin' }], {}, stdin));
    expect(got.map((t) => 'invalid' in t)).toEqual([false, true, true, true, true, false]);
    expect(got.map((t) => t.index)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('throws usage errors before yielding anything', async () => {
    await expect(
      readTargets(
        [
          { kind: 'arg', value: 'a.test' },
          { kind: 'file', path: join(fixtures, 'malformed.json') },
        ],
        {},
      ),
    ).rejects.toThrow(UsageError);
  });

  it('yields the first target before stdin ends', async () => {
    const stdin = new PassThrough();
    stdin.write('first.test\nsec');
    const iterator = (await readTargets([{ kind: 'stdin' }], {}, stdin))[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.done).toBe(false);
    expect(first.value).toMatchObject({ index: 0, url: 'http://first.test/' });
    expect(stdin.writableEnded).toBe(false);

    stdin.write('ond.test\n');
    expect((await iterator.next()).value).toMatchObject({ index: 1, url: 'http://second.test/' });
    stdin.end('third.test');
    expect((await iterator.next()).value).toMatchObject({ index: 2, url: 'http://third.test/' });
    expect((await iterator.next()).done).toBe(true);
  });

  it('yields JSON lines before stdin ends too', async () => {
    const stdin = new PassThrough();
    stdin.write('{"url": "first.test"}\n');
    const iterator = (await readTargets([{ kind: 'stdin' }], {}, stdin))[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ index: 0, url: 'http://first.test/' });
    stdin.end();
    expect((await iterator.next()).done).toBe(true);
  });
});
