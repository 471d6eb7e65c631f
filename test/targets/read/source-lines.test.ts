/**
 * Issue 19, item 2: every target read from a file knows the line it starts on (GitHub
 * annotations carry `file=…,line=…`), whatever the file's format — a text list, JSON lines, a JSON
 * array or a `{"targets": […]}` document, pretty-printed or not — and targets from stdin or
 * arguments carry none. The result carries it on to every report (NDJSON `source`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { openSources, type SourceItem, type SourceSpec } from '../../../src/targets/read/sources.js';
import { targetLines } from '../../../src/targets/read/json-target-lines.js';
import { readTargets } from '../../../src/targets/index.js';

const scratch = mkdtempSync(join(tmpdir(), 'fetch-many-lines-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let files = 0;
function file(text: string, ext: string): string {
  const path = join(scratch, `t${files++}.${ext}`);
  writeFileSync(path, text);
  return path;
}

async function lines(specs: SourceSpec[], stdin?: NodeJS.ReadableStream): Promise<Array<number | undefined>> {
  const out: SourceItem[] = [];
  for await (const item of await openSources(specs, stdin)) out.push(item);
  return out.map((item) => item.source?.line);
}

/** The 1-based line of the first line containing `marker`. */
const lineOf = (text: string, marker: string): number => text.split('\n').findIndex((l) => l.includes(marker)) + 1;

describe('source lines', () => {
  it('a {"targets"} document, pretty-printed, with defaults and strings that look like JSON', async () => {
    const text = [
      '{',
      '  "defaults": { "headers": { "X-Note": "[not, a, target]" } },',
      '  "targets": [',
      '    "http://a.test/\\"[quoted]\\"",',
      '',
      '    {',
      '      "url": "http://b.test/", "name": "b, {braces} and \\\\",',
      '      "expect": { "json": { "$.list": [1, [2, 3]] } }',
      '    },',
      '    { "url": "http://c.test/" }, { "url": "http://d.test/" }',
      '  ]',
      '}',
    ].join('\n');
    const path = file(text, 'json');
    expect(await lines([{ kind: 'file', path }])).toEqual([
      lineOf(text, 'a.test'),
      lineOf(text, 'b.test') - 1,
      lineOf(text, 'c.test'),
      lineOf(text, 'd.test'),
    ]);
  });

  it('a document whose "targets" come after "defaults", or twice (the last wins, as JSON.parse)', () => {
    const text = '{"targets": ["x"],\n"defaults": {"targets": [1]},\n"targets": [\n"a",\n\n"b"]}';
    expect(targetLines(text)).toEqual([4, 6]);
  });

  it('a JSON array in a .txt file after blank lines (read as a document), and a top-level array', async () => {
    const text = '\n\n[\n  "http://a.test/",\n  "http://b.test/"\n]\n';
    expect(await lines([{ kind: 'file', path: file(text, 'txt') }])).toEqual([4, 5]);
    expect(targetLines('[[1,2],\n{"a":[3]},\n"s"]')).toEqual([1, 2, 3]);
  });

  it('a text list and JSON lines: the line of each, comments and blanks counted', async () => {
    const list = '# header\n\nhttp://a.test/\r\n  # note\nhttp://b.test/\n';
    expect(await lines([{ kind: 'file', path: file(list, 'txt') }])).toEqual([3, 5]);
    const jsonl = '\n{"url": "http://a.test/"}\n\n{"url": broken}\n"http://c.test/"\n';
    expect(await lines([{ kind: 'file', path: file(jsonl, 'jsonl') }])).toEqual([2, 4, 5]);
  });

  it('nothing for stdin and arguments', async () => {
    expect(await lines([{ kind: 'stdin' }], Readable.from(['http://a.test/\n', 'http://b.test/\n']))).toEqual([
      undefined,
      undefined,
    ]);
    expect(await lines([{ kind: 'arg', value: 'http://a.test/' }])).toEqual([undefined]);
  });

  it('reaches the prepared targets, invalid ones included', async () => {
    const path = file('http://a.test/\n\nhttp://[bad\n', 'txt');
    const got = [];
    for await (const t of await readTargets([{ kind: 'file', path }], { headers: [] })) got.push(t);
    expect(got.map((t) => [t.source, 'invalid' in t])).toEqual([
      [{ file: path, line: 1 }, false],
      [{ file: path, line: 3 }, true],
    ]);
  });
});
