import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { classifyArgument, openSources, type SourceItem, type SourceSpec } from '../../../src/targets/read/sources.js';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures', 'targets');
const fixture = (name: string): SourceSpec => ({ kind: 'file', path: join(fixtures, name) });
const scratch = mkdtempSync(join(tmpdir(), 'fetch-many-sources-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function items(specs: SourceSpec[]): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const item of await openSources(specs)) out.push(item);
  return out;
}

async function usageError(specs: SourceSpec[]): Promise<string> {
  try {
    await openSources(specs);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('classifyArgument', () => {
  it('reads - as stdin', () => {
    expect(classifyArgument('-')).toEqual({ kind: 'stdin' });
  });

  it('reads anything with :// as a URL, even if it ends like a file', () => {
    expect(classifyArgument('http://a.test/list.json')).toEqual({ kind: 'arg', value: 'http://a.test/list.json' });
  });

  it('refuses a missing name with a target-list extension as "no such file"', () => {
    for (const name of ['urls.json', 'URLS.JSON', 'x.jsonl', 'x.ndjson', 'list.txt', 'hosts.list', 'x.csv']) {
      expect(() => classifyArgument(join(scratch, 'missing', name))).toThrow(
        `no such file: ${join(scratch, 'missing', name)}`,
      );
    }
  });

  it('reads an existing file of any name as a file', () => {
    const path = join(scratch, 'targets');
    writeFileSync(path, 'a.test\n');
    expect(classifyArgument(path)).toEqual({ kind: 'file', path });
  });

  it('reads an existing directory as a file (so it fails as one), anything else as a shorthand URL', () => {
    const dir = join(scratch, 'example.com');
    mkdirSync(dir);
    expect(classifyArgument(dir)).toEqual({ kind: 'file', path: dir });
    expect(classifyArgument('no-such-host.test:8080/x')).toEqual({ kind: 'arg', value: 'no-such-host.test:8080/x' });
  });
});

describe('openSources: files', () => {
  it('reads a text file line by line: comments, blanks, CRLF and spaces handled', async () => {
    // Each with the file and the line it is on (issue 19: annotations point at it).
    const file = join(fixtures, 'urls.txt');
    expect(await items([fixture('urls.txt')])).toEqual([
      { input: 'http://a.test/health', source: { file, line: 2 } },
      { input: 'b.test:8080/x', source: { file, line: 4 } },
      { input: 'ftp://nope.test', source: { file, line: 6 } },
      { input: 'https://d.test/?q=1', source: { file, line: 7 } },
    ]);
  });

  it('reads a .json array of strings', async () => {
    const file = join(fixtures, 'strings.json');
    expect(await items([fixture('strings.json')])).toEqual([
      { input: 'http://a.test/', source: { file, line: 1 } },
      { input: 'b.test:8080/x', source: { file, line: 1 } },
      { input: 'ftp://c.test', source: { file, line: 1 } },
    ]);
  });

  it('reads a .json array of objects', async () => {
    const got = await items([fixture('objects.json')]);
    expect(got).toHaveLength(3);
    const file = join(fixtures, 'objects.json');
    expect(got[1]).toEqual({ input: { host: 'b.test', port: 8080, path: '/items' }, source: { file, line: 3 } });
    expect(got.map((item) => item.source?.line)).toEqual([2, 3, 4]);
  });

  it('reads {defaults, targets}, attaching the same defaults object to each target', async () => {
    const got = await items([fixture('document.json')]);
    expect(got).toHaveLength(2);
    const [first, second] = got as Array<{ input: unknown; fileDefaults?: object }>;
    expect(first?.input).toBe('http://a.test/');
    expect(first?.fileDefaults).toMatchObject({ method: 'POST', timeout: '3s' });
    expect(second?.fileDefaults).toBe(first?.fileDefaults);
  });

  it('reads JSON lines from a .jsonl file; a bad line is an invalid item, not a usage error', async () => {
    const path = join(fixtures, 'lines.jsonl');
    const got = await items([{ kind: 'file', path }]);
    expect(got).toEqual([
      { input: { url: 'http://a.test/', name: 'a' }, source: { file: path, line: 1 } },
      { input: 'b.test/x', source: { file: path, line: 3 } },
      {
        raw: '{"url": "http://c.test/", oops}',
        invalid: `${path} line 4: invalid JSON at column 27: expected a property name in double quotes, got "o"`,
        source: { file: path, line: 4 },
      },
      { input: { host: 'd.test', port: '81' }, source: { file: path, line: 5 } },
    ]);
  });

  it('reports malformed JSON with file, line and column', async () => {
    const path = join(fixtures, 'malformed.json');
    expect(await usageError([{ kind: 'file', path }])).toBe(
      `${path}:4:3: expected "," or "]" after an array element, got "\\""`,
    );
  });

  it('reports a JSON document of the wrong shape naming the file', async () => {
    const path = join(fixtures, 'wrong-shape.json');
    expect(await usageError([{ kind: 'file', path }])).toMatch(
      new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: unknown key "target" \\(expected "targets"`),
    );
  });

  it.each([
    ['"just a string"', 'expected an array of targets or {"targets": [...]}, got string "just a string"'],
    ['{"targets": {}}', '"targets" must be an array, got an object'],
    ['{"targets": [], "defaults": []}', '"defaults" must be an object, got an array'],
    [
      '{"targets": [], "defaults": {"timeout": "soon"}}',
      'defaults: field "timeout": invalid duration "soon" (use e.g. 250ms, 2s, 1.5m)',
    ],
    ['{"targets": [], "defaults": {"url": "a.test"}}', 'defaults: unknown field "url"'],
    ['', '1:1: unexpected end of input, expected a value'],
  ])('refuses the document %j', async (text, message) => {
    const path = join(scratch, `doc-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, text);
    expect(await usageError([{ kind: 'file', path }])).toBe(
      message.startsWith('1:1') ? `${path}:${message}` : `${path}: ${message}`,
    );
  });

  it('accepts a UTF-8 BOM, keeping columns right', async () => {
    const path = join(scratch, 'bom.json');
    writeFileSync(path, '\ufeff["a.test"]');
    expect(await items([{ kind: 'file', path }])).toEqual([{ input: 'a.test', source: { file: path, line: 1 } }]);
    const bad = join(scratch, 'bom-bad.json');
    writeFileSync(bad, '\ufeff[,]');
    expect(await usageError([{ kind: 'file', path: bad }])).toBe(`${bad}:1:2: unexpected ",", expected a value`);
  });

  it('reports a missing file', async () => {
    expect(await usageError([{ kind: 'file', path: 'no/such/urls.json' }])).toBe(
      'cannot read no/such/urls.json: no such file',
    );
    expect(await usageError([{ kind: 'file', path: 'no/such/urls.txt' }])).toBe(
      'cannot read no/such/urls.txt: no such file',
    );
  });

  it('reports a directory', async () => {
    const dir = join(scratch, 'dir.json');
    mkdirSync(dir);
    expect(await usageError([{ kind: 'file', path: dir }])).toBe(`cannot read ${dir}: is a directory`);
    expect(await usageError([{ kind: 'file', path: scratch }])).toBe(`cannot read ${scratch}: is a directory`);
  });

  it('checks every source before returning, so a bad last file stops the run up front', async () => {
    expect(
      await usageError([fixture('urls.txt'), { kind: 'arg', value: 'a.test' }, { kind: 'file', path: 'missing.json' }]),
    ).toBe('cannot read missing.json: no such file');
  });

  it('refuses stdin twice', async () => {
    expect(await usageError([{ kind: 'stdin' }, { kind: 'stdin' }])).toBe('stdin (-) can be given only once');
  });

  it('yields sources in the order given', async () => {
    const got = await items([
      { kind: 'arg', value: 'first.test' },
      fixture('strings.json'),
      { kind: 'arg', value: 'last.test' },
    ]);
    expect(got.map((item) => ('input' in item ? item.input : item.raw))).toEqual([
      'first.test',
      'http://a.test/',
      'b.test:8080/x',
      'ftp://c.test',
      'last.test',
    ]);
  });
});
