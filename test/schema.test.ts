/**
 * schema/targets.schema.json against the loader: every example and valid fixture validates, the
 * invalid ones do not, and for a table of edge cases the schema and src/targets agree on what is
 * a valid target. Validated with a real JSON Schema implementation (Ajv, draft 2020-12), so the
 * schema is checked as editors will read it.
 */
import { readdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { prepareTarget } from '../src/targets/normalize.js';
import { openSources } from '../src/targets/read/sources.js';
import { ROOT } from './cli/harness.js';

const schemaPath = join(ROOT, 'schema', 'targets.schema.json');
const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
// strict: an unknown keyword in the schema is an error, not silently ignored. (strictRequired would
// also refuse `required` inside anyOf/not naming properties declared beside them: that is the point.)
const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true });
ajv.addSchema(schema, 'targets');
const validateFile = ajv.getSchema('targets') as ValidateFunction;
const validateTarget = ajv.compile({ $ref: 'targets#/$defs/target' });

const scratch = mkdtempSync(join(tmpdir(), 'fetch-many-schema-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

function errorsOf(valid: boolean): string {
  return valid ? '' : ajv.errorsText(validateFile.errors);
}

/** What the loader says of one target: null when it is valid, else its invalid_target reason. */
function loaderVerdict(input: unknown): string | null {
  const prepared = prepareTarget(input as never, 0, {});
  return 'invalid' in prepared ? prepared.invalid : null;
}

describe('schema/targets.schema.json', () => {
  it('is itself a valid draft 2020-12 schema with a $defs entry per target part', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(ajv.validateSchema(schema)).toBe(true);
  });

  it('accepts every target file in examples/', () => {
    const files = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const valid = validateFile(readJson(join(ROOT, 'examples', file)));
      expect(valid, `${file}: ${errorsOf(valid)}`).toBe(true);
    }
  });

  it('accepts the valid target-file fixtures and every line of the JSON-lines fixture that parses', () => {
    for (const file of ['document.json']) {
      const valid = validateFile(readJson(join(ROOT, 'test', 'fixtures', 'targets', file)));
      expect(valid, `${file}: ${errorsOf(valid)}`).toBe(true);
    }
    const lines = readFileSync(join(ROOT, 'test', 'fixtures', 'targets', 'lines.jsonl'), 'utf8').split('\n');
    let checked = 0;
    for (const line of lines) {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        continue; // blank, or the line that is broken on purpose
      }
      expect(validateTarget(value), line).toBe(true);
      checked++;
    }
    expect(checked).toBe(3);
  });

  it('rejects the fixtures that hold invalid targets or the wrong shape', () => {
    // objects.json: a typo'd field ("bdy"); strings.json: an ftp:// URL; wrong-shape.json: "target".
    for (const file of ['objects.json', 'strings.json', 'wrong-shape.json']) {
      expect(validateFile(readJson(join(ROOT, 'test', 'fixtures', 'targets', file))), file).toBe(false);
    }
  });

  it('accepts the document form with "$schema", and rejects unknown top-level keys', () => {
    expect(validateFile({ $schema: './schema/targets.schema.json', targets: ['http://127.0.0.1/'] })).toBe(true);
    expect(validateFile({ targets: [], default: {} })).toBe(false);
    expect(validateFile({ defaults: {} })).toBe(false);
  });

  it('accepts defaults.origins keyed by origin, with headers and user, and nothing narrower than an origin', () => {
    const file = (origins: unknown) => ({ defaults: { origins }, targets: ['http://127.0.0.1/'] });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: ${env:NAME} as a target file writes it
    const binding = { headers: { Authorization: 'Bearer ${env:TOKEN}' }, user: 'ci:${env:PASSWORD}' };
    expect(
      validateFile(file({ 'https://api.example.com': binding, 'http://127.0.0.1:8080/': {} })),
      errorsOf(false),
    ).toBe(true);
    expect(validateFile(file({ 'https://api.example.com/v1': {} }))).toBe(false);
    expect(validateFile(file({ 'api.example.com': {} }))).toBe(false);
    expect(validateFile(file({ 'https://api.example.com': { users: 'a:b' } }))).toBe(false);
    expect(validateFile(file({ 'https://api.example.com': { user: 'no-colon' } }))).toBe(false);
  });

  it('accepts the expect.header forms: exact string, {includes} and {matches}', () => {
    const header = { 'content-type': 'application/json', server: { includes: 'nginx' }, etag: { matches: '^"' } };
    expect(validateFile([{ url: 'http://127.0.0.1/', expect: { header } }])).toBe(true);
    expect(
      validateFile([{ url: 'http://127.0.0.1/', expect: { header: { a: { includes: 'x', matches: 'y' } } } }]),
    ).toBe(false);
    expect(validateFile([{ url: 'http://127.0.0.1/', expect: { header: { a: { contains: 'x' } } } }])).toBe(false);
  });

  // Each row is one target; the schema and the loader must give the same verdict on it.
  const cases: Array<[string, unknown]> = [
    ['a URL string', 'http://127.0.0.1:8080/health'],
    ['shorthand', '127.0.0.1:8080/x'],
    ['shorthand with spaces around', '  localhost:9000/api  '],
    ['an ftp URL', 'ftp://example.com/'],
    ['a URL with a space', 'http://bad host/'],
    ['an empty string', ''],
    ['a number', 42],
    ['null', null],
    ['an array', ['http://127.0.0.1/']],
    ['url only', { url: 'https://api.example.com/health' }],
    ['host, port, path', { host: '127.0.0.1', port: 8080, path: '/metrics' }],
    ['host with scheme', { host: 'https://api.example.com', path: '/' }],
    ['host with scheme and slash', { host: 'https://api.example.com/' }],
    ['bare IPv6 host', { host: '::1', port: 8080 }],
    ['bracketed IPv6 host', { host: '[::1]', port: '8080' }],
    ['host with a port in it', { host: '127.0.0.1:8080' }],
    ['host with a path in it', { host: 'example.com/x' }],
    ['host with an ftp scheme', { host: 'ftp://example.com' }],
    ['empty host', { host: '' }],
    ['host and url as the path', { host: '127.0.0.1', url: '/x' }],
    ['host and a url that is not a path', { host: '127.0.0.1', url: 'http://127.0.0.1/x' }],
    ['host, path and url', { host: '127.0.0.1', path: '/a', url: '/b' }],
    ['path without a slash', { host: '127.0.0.1', path: 'x' }],
    ['path with a space', { host: '127.0.0.1', path: '/a b' }],
    ['port without host', { url: 'http://127.0.0.1/', port: 80 }],
    ['path without host', { url: 'http://127.0.0.1/', path: '/x' }],
    ['neither url nor host', { name: 'x' }],
    ['port 0', { host: '127.0.0.1', port: 0 }],
    ['port 65535 as a string', { host: '127.0.0.1', port: '65535' }],
    ['port 65536 as a string', { host: '127.0.0.1', port: '65536' }],
    ['port 1.5', { host: '127.0.0.1', port: 1.5 }],
    ['port as words', { host: '127.0.0.1', port: 'eighty' }],
    ['lower-case method', { url: 'http://127.0.0.1/', method: 'post' }],
    ['extension method', { url: 'http://127.0.0.1/', method: 'PURGE' }],
    ['method with a space', { url: 'http://127.0.0.1/', method: 'GET X' }],
    ['method as a number', { url: 'http://127.0.0.1/', method: 1 }],
    ['headers', { url: 'http://127.0.0.1/', headers: { Accept: 'text/plain', 'X-N': 3 } }],
    ['header with a bad name', { url: 'http://127.0.0.1/', headers: { 'Bad Name': 'x' } }],
    ['header value with LF', { url: 'http://127.0.0.1/', headers: { X: 'a\nb' } }],
    ['header value with a tab', { url: 'http://127.0.0.1/', headers: { X: 'a\tb' } }],
    ['header value true', { url: 'http://127.0.0.1/', headers: { X: true } }],
    ['Content-Length header', { url: 'http://127.0.0.1/', headers: { 'content-length': '3' } }],
    ['Transfer-Encoding header', { url: 'http://127.0.0.1/', headers: { 'Transfer-Encoding': 'chunked' } }],
    ['headers as an array', { url: 'http://127.0.0.1/', headers: ['X: y'] }],
    ['body', { url: 'http://127.0.0.1/', body: '{}' }],
    ['data', { url: 'http://127.0.0.1/', data: 'a=1' }],
    ['body and data', { url: 'http://127.0.0.1/', body: 'a', data: 'b' }],
    ['body as an object', { url: 'http://127.0.0.1/', body: { a: 1 } }],
    ['bodyFile', { url: 'http://127.0.0.1/', bodyFile: 'bodies/upload.bin' }],
    ['bodyFile and body', { url: 'http://127.0.0.1/', bodyFile: 'a.bin', body: 'b' }],
    ['bodyFile and data', { url: 'http://127.0.0.1/', bodyFile: 'a.bin', data: 'b' }],
    ['bodyFile ""', { url: 'http://127.0.0.1/', bodyFile: '' }],
    ['bodyFile with a NUL', { url: 'http://127.0.0.1/', bodyFile: 'a\u0000b' }],
    ['bodyFile as a number', { url: 'http://127.0.0.1/', bodyFile: 1 }],
    ['timeout "250ms"', { url: 'http://127.0.0.1/', timeout: '250ms' }],
    ['timeout " 1.5 M "', { url: 'http://127.0.0.1/', timeout: ' 1.5 M ' }],
    ['timeout 2000 (milliseconds)', { url: 'http://127.0.0.1/', timeout: 2000 }],
    ['timeout 2 (reads as seconds: refused)', { url: 'http://127.0.0.1/', timeout: 2 }],
    ['timeout 10', { url: 'http://127.0.0.1/', timeout: 10 }],
    ['timeout "2" (no unit)', { url: 'http://127.0.0.1/', timeout: '2' }],
    ['timeout 0', { url: 'http://127.0.0.1/', timeout: 0 }],
    ['timeout -1', { url: 'http://127.0.0.1/', timeout: -1 }],
    ['timeout "soon"', { url: 'http://127.0.0.1/', timeout: 'soon' }],
    ['timeout "2d"', { url: 'http://127.0.0.1/', timeout: '2d' }],
    ['timeout 30 days', { url: 'http://127.0.0.1/', timeout: 2_592_000_000 }],
    ['timeout 2147483647', { url: 'http://127.0.0.1/', timeout: 2_147_483_647 }],
    ['name', { url: 'http://127.0.0.1/', name: 'health check' }],
    ['name with a line break', { url: 'http://127.0.0.1/', name: 'a\nb' }],
    ['name as a number', { url: 'http://127.0.0.1/', name: 7 }],
    ['unknown field', { url: 'http://127.0.0.1/', bdy: 'x' }],
    ['$schema in a target', { url: 'http://127.0.0.1/', $schema: 'x' }],
    ['expect status spec', { url: 'http://127.0.0.1/', expect: { status: '200, 204,3xx, 400-404' } }],
    ['expect status number', { url: 'http://127.0.0.1/', expect: { status: 204 } }],
    ['expect status 700', { url: 'http://127.0.0.1/', expect: { status: 700 } }],
    ['expect status "700"', { url: 'http://127.0.0.1/', expect: { status: '700' } }],
    ['expect status "6xx"', { url: 'http://127.0.0.1/', expect: { status: '6xx' } }],
    ['expect status "ok"', { url: 'http://127.0.0.1/', expect: { status: 'ok' } }],
    ['expect status ""', { url: 'http://127.0.0.1/', expect: { status: '' } }],
    ['expect status "200,"', { url: 'http://127.0.0.1/', expect: { status: '200,' } }],
    ['expect maxTime', { url: 'http://127.0.0.1/', expect: { maxTime: '500ms' } }],
    ['expect maxTime "fast"', { url: 'http://127.0.0.1/', expect: { maxTime: 'fast' } }],
    ['expect bodyIncludes', { url: 'http://127.0.0.1/', expect: { bodyIncludes: 'ok' } }],
    ['expect bodyIncludes ""', { url: 'http://127.0.0.1/', expect: { bodyIncludes: '' } }],
    ['expect header string', { url: 'http://127.0.0.1/', expect: { header: { 'Content-Type': 'text/html' } } }],
    ['expect header bad name', { url: 'http://127.0.0.1/', expect: { header: { 'a b': 'x' } } }],
    ['expect header value with CR', { url: 'http://127.0.0.1/', expect: { header: { a: 'x\ry' } } }],
    ['expect header as a string', { url: 'http://127.0.0.1/', expect: { header: 'content-type: x' } }],
    ['expect certDaysLeft', { url: 'https://127.0.0.1/', expect: { certDaysLeft: 21 } }],
    ['expect certDaysLeft -1', { url: 'https://127.0.0.1/', expect: { certDaysLeft: -1 } }],
    ['expect certDaysLeft 1.5', { url: 'https://127.0.0.1/', expect: { certDaysLeft: 1.5 } }],
    ['expect unknown field', { url: 'http://127.0.0.1/', expect: { stauts: 200 } }],
    ['expect as a string', { url: 'http://127.0.0.1/', expect: '200' }],
    [
      'expect json',
      { url: 'http://127.0.0.1/', expect: { json: { '$.status': 'ok', "$['a b'][0]": 1, '$.x.length': 3 } } },
    ],
    [
      'expect json forms',
      { url: 'http://127.0.0.1/', expect: { json: { '$.a': { matches: '^v' }, '$.b': { exists: false } } } },
    ],
    ['expect json equals an object', { url: 'http://127.0.0.1/', expect: { json: { $: { equals: { exists: 1 } } } } }],
    ['expect json object literal', { url: 'http://127.0.0.1/', expect: { json: { $: { a: 1, exists: 'x' } } } }],
    ['expect json exists "yes"', { url: 'http://127.0.0.1/', expect: { json: { '$.a': { exists: 'yes' } } } }],
    ['expect json matches 1', { url: 'http://127.0.0.1/', expect: { json: { '$.a': { matches: 1 } } } }],
    ['expect json path without $', { url: 'http://127.0.0.1/', expect: { json: { status: 'ok' } } }],
    ['expect json wildcard', { url: 'http://127.0.0.1/', expect: { json: { '$.*': 1 } } }],
    ['expect json descendant', { url: 'http://127.0.0.1/', expect: { json: { '$..a': 1 } } }],
    ['expect json slice', { url: 'http://127.0.0.1/', expect: { json: { '$[1:2]': 1 } } }],
    ['expect json as an array', { url: 'http://127.0.0.1/', expect: { json: ['$.a'] } }],
    ['expect bodyMatches', { url: 'http://127.0.0.1/', expect: { bodyMatches: '/ok/i' } }],
    ['expect bodyMatches ""', { url: 'http://127.0.0.1/', expect: { bodyMatches: '' } }],
  ];

  it.each(cases)('agrees with the loader on %s', (_label, target) => {
    const loaderSays = loaderVerdict(target);
    const schemaSays = validateTarget(target);
    expect(schemaSays, `loader: ${loaderSays ?? 'valid'}`).toBe(loaderSays === null);
  });

  // A file's defaults: the loader refuses a bad one as a usage error for the whole file.
  const defaultsCases: Array<[string, unknown]> = [
    ['every field', { method: 'POST', headers: { A: 'b' }, body: 'x', timeout: '2s', expect: { status: '2xx' } }],
    ['data', { data: 'x' }],
    ['a url', { url: 'http://127.0.0.1/' }],
    ['body and data', { body: 'a', data: 'b' }],
    ['a bad timeout', { timeout: 'later' }],
    ['an array', []],
  ];

  it.each(defaultsCases)('agrees with the loader on defaults with %s', async (_label, defaults) => {
    const doc = { defaults, targets: ['http://127.0.0.1/'] };
    const path = join(scratch, `defaults-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, JSON.stringify(doc));
    let loaderOk = true;
    try {
      for await (const _ of await openSources([{ kind: 'file', path }])) void _;
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      loaderOk = false;
    }
    expect(validateFile(doc)).toBe(loaderOk);
  });
});

describe('target files carrying "$schema"', () => {
  async function load(doc: unknown): Promise<unknown[]> {
    const path = join(scratch, `schema-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, JSON.stringify(doc));
    const out: unknown[] = [];
    for await (const item of await openSources([{ kind: 'file', path }])) out.push(item);
    return out;
  }

  it('are read as if the key were not there', async () => {
    const got = await load({ $schema: '../schema/targets.schema.json', targets: ['http://127.0.0.1/'] });
    expect(got).toEqual([{ input: 'http://127.0.0.1/', source: { file: expect.any(String), line: 1 } }]);
  });

  it('refuse a "$schema" that is not a string, naming the file', async () => {
    await expect(load({ $schema: 1, targets: [] })).rejects.toThrow(/"\$schema" must be a string/);
    await expect(load({ $schema: 1, targets: [] })).rejects.toBeInstanceOf(UsageError);
  });
});
