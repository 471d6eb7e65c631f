import { describe, expect, it } from 'vitest';
import {
  buildJsonCheck,
  checkJson,
  jsonEqual,
  jsonPreview,
  parseJsonFlag,
  parseJsonPath,
} from '../../src/expect/json-path.js';
import { parseUserRegex } from '../../src/expect/regex.js';

const DOC = {
  status: 'down',
  build: { version: '1.2.3', tags: ['a', 'b'] },
  items: [{ id: 1 }, { id: 2 }, { id: 3 }],
  'key with space': true,
  "it's": 1,
  empty: null,
  obj: { length: 7 },
  name: 'héllo',
};

const check = (path: string, expected: unknown): string | null => checkJson(buildJsonCheck(path, expected), DOC);

describe('parseJsonPath', () => {
  it('reads the documented subset', () => {
    expect(parseJsonPath('$')).toEqual([]);
    expect(parseJsonPath('$.a.b')).toEqual([
      { kind: 'member', name: 'a' },
      { kind: 'member', name: 'b' },
    ]);
    expect(parseJsonPath('$.a[0][-1]')).toEqual([
      { kind: 'member', name: 'a' },
      { kind: 'index', index: 0 },
      { kind: 'index', index: -1 },
    ]);
    expect(parseJsonPath(`$["key with space"]['it\\'s'][ "\\u0041\\n" ]`)).toEqual([
      { kind: 'member', name: 'key with space' },
      { kind: 'member', name: "it's" },
      { kind: 'member', name: 'A\n' },
    ]);
    expect(parseJsonPath('$.items.length')).toEqual([{ kind: 'member', name: 'items' }, { kind: 'length' }]);
    expect(parseJsonPath('$["length"]')).toEqual([{ kind: 'member', name: 'length' }]);
    expect(parseJsonPath('$.héllo_2')).toEqual([{ kind: 'member', name: 'héllo_2' }]);
  });

  it.each([
    ['a.b', /starts with "\$"/],
    ['$..a', /character 2: descendant segments/],
    ['$.*', /character 3: wildcards/],
    ['$[*]', /character 3: wildcards/],
    ['$[1:2]', /character 4: slices/],
    ['$[?@.a]', /character 3: filters/],
    ['$[0,1]', /character 4: unions/],
    ['$.a b', /character 4: unexpected " "/],
    ['$.1a', /character 3: expected a member name/],
    ['$["a]', /unterminated string/],
    ['$["\\x"]', /bad escape/],
    ['$[01]', /expected "\]"/],
    ['$[-0]', /expected an index/],
    ['$[0', /expected "\]"/],
  ])('refuses %s, saying where', (path, message) => {
    expect(() => parseJsonPath(path)).toThrow(message);
  });
});

describe('checkJson', () => {
  it('passes when the path selects an equal value', () => {
    expect(check('$.status', 'down')).toBeNull();
    expect(check('$.build', { tags: ['a', 'b'], version: '1.2.3' })).toBeNull();
    expect(check('$.items[1].id', 2)).toBeNull();
    expect(check('$.items[-1].id', 3)).toBeNull();
    expect(check('$["key with space"]', true)).toBeNull();
    expect(check('$.empty', null)).toBeNull();
    expect(check('$.items.length', 3)).toBeNull();
    expect(check('$.name.length', 5)).toBeNull();
    expect(check('$.obj.length', 7)).toBeNull();
    expect(check('$', DOC)).toBeNull();
  });

  it('fails with the documented messages', () => {
    expect(check('$.status', 'ok')).toBe('json $.status is "down", not "ok"');
    expect(check('$.build.sha', 'abc')).toBe('json $.build.sha: no such path');
    expect(check('$.items[3]', 1)).toBe('json $.items[3]: no such path');
    expect(check('$.items.length', 4)).toBe('json $.items.length is 3, not 4');
    expect(check('$.build.tags', ['a'])).toBe('json $.build.tags is ["a","b"], not ["a"]');
    expect(check('$.empty', 0)).toBe('json $.empty is null, not 0');
    expect(check('$.status.x', 1)).toBe('json $.status.x: no such path');
    expect(check('$["length"]', 1)).toBe('json $["length"]: no such path');
  });

  it('cuts a long value in a message', () => {
    const failure = checkJson(buildJsonCheck('$.a', 1), { a: 'x'.repeat(500) })!;
    expect(failure.length).toBeLessThan(120);
    expect(failure).toMatch(/^json \$\.a is "xxx+…, not 1$/);
  });

  it('matches, exists and equals', () => {
    expect(check('$.build.version', { matches: '^1\\.' })).toBeNull();
    expect(check('$.build.version', { matches: '^2\\.' })).toBe(
      'json $.build.version is "1.2.3", not matching /^2\\./',
    );
    expect(check('$.items', { matches: '.' })).toBe(
      'json $.items is [{"id":1},{"id":2},{"id":3}], not a string matching /./',
    );
    expect(check('$.status', { matches: '/^DOWN$/i' })).toBeNull();
    expect(check('$.build.sha', { exists: false })).toBeNull();
    expect(check('$.build.sha', { exists: true })).toBe('json $.build.sha: no such path');
    expect(check('$.status', { exists: true })).toBeNull();
    expect(check('$.status', { exists: false })).toBe('json $.status is "down", expected no such path');
    expect(checkJson(buildJsonCheck('$.op', { equals: { exists: true } }), { op: { exists: true } })).toBeNull();
  });

  it('looks only at own members, never the prototype', () => {
    expect(check('$.constructor', { exists: true })).toBe('json $.constructor: no such path');
    expect(checkJson(buildJsonCheck('$.__proto__', 1), JSON.parse('{"__proto__": 1}'))).toBeNull();
  });

  it('refuses bad operator arguments', () => {
    expect(() => buildJsonCheck('$.a', { matches: 1 })).toThrow(/"matches" takes a regular expression string/);
    expect(() => buildJsonCheck('$.a', { exists: 'yes' })).toThrow(/"exists" takes true or false/);
    expect(() => buildJsonCheck('$.a', { matches: '(' })).toThrow(/"\(" is not a valid regular expression/);
  });
});

describe('jsonEqual', () => {
  it('compares JSON values by value', () => {
    expect(jsonEqual({ a: [1, { b: null }] }, { a: [1, { b: null }] })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual('1', 1)).toBe(false);
    expect(jsonEqual(null, {})).toBe(false);
  });
});

describe('parseJsonFlag (--expect-json)', () => {
  it('splits at the = after the path', () => {
    expect(parseJsonFlag('$.status="ok"')).toMatchObject({ path: '$.status', test: { kind: 'equals', value: 'ok' } });
    expect(parseJsonFlag('$["a=b"]=3')).toMatchObject({ path: '$["a=b"]', test: { kind: 'equals', value: 3 } });
    expect(parseJsonFlag('$.x={"exists":false}')).toMatchObject({ test: { kind: 'exists', exists: false } });
    expect(parseJsonFlag('$.v = {"matches": "^1"}').test).toMatchObject({ kind: 'matches' });
  });

  it('says what is wrong', () => {
    expect(() => parseJsonFlag('$.status=ok')).toThrow(
      `value "ok" is not JSON (a string needs quotes: '$.status="ok"')`,
    );
    expect(() => parseJsonFlag('$.status')).toThrow(/needs "=<json value>"/);
    expect(() => parseJsonFlag('$.a b=1')).toThrow(/character 4: expected "=" or a path segment/);
    expect(() => parseJsonFlag('status=1')).toThrow(/starts with "\$"/);
  });
});

describe('parseUserRegex', () => {
  it('takes a pattern, or /pattern/flags; drops g and y', () => {
    expect(parseUserRegex('^a.c$').test('abc')).toBe(true);
    expect(parseUserRegex('/^ABC$/i').test('abc')).toBe(true);
    const re = parseUserRegex('/b/gy');
    expect(re.flags).toBe('');
    expect(re.test('abc') && re.test('abc')).toBe(true);
  });

  it('says why a pattern is invalid', () => {
    expect(() => parseUserRegex('a(')).toThrow('"a(" is not a valid regular expression: Unterminated group');
    expect(() => parseUserRegex('/a/q')).toThrow(/is not a valid regular expression: Invalid flags/);
  });
});

describe('deep and wide server JSON (issue 22)', () => {
  const deep = (levels: number, leaf: unknown = 1): unknown =>
    JSON.parse(`${'{"a":'.repeat(levels)}${JSON.stringify(leaf)}${'}'.repeat(levels)}`);

  it('a failure on a body nested 100,000 deep is a bounded message, not a stack overflow', () => {
    const doc = deep(100_000);
    const failure = checkJson(buildJsonCheck('$.a', 1), doc);
    expect(failure).toMatch(/^json \$\.a is \{"a":\{"a":.*…, not 1$/);
    expect(failure!.length).toBeLessThan(120);
    expect(checkJson(buildJsonCheck('$', deep(5)), doc)).toMatch(/^json \$ is /);
  });

  it('equality walks deep values with its own stack', () => {
    expect(jsonEqual(deep(100_000), deep(100_000))).toBe(true);
    expect(jsonEqual(deep(100_000), deep(100_000, 2))).toBe(false);
    expect(jsonEqual([1, { a: [2] }], [1, { a: [2] }])).toBe(true);
    expect(jsonEqual({ a: 1, b: 2 }, { a: 1, c: 2 })).toBe(false);
  });

  it('the preview is what JSON.stringify writes, cut', () => {
    const values: unknown[] = [
      null,
      true,
      -1.5e300,
      'é"\\\n',
      [],
      {},
      [1, [2, [3, {}]], { x: [] }],
      DOC,
      { 'a"b': { c: [null, false, 'x'.repeat(200)] } },
    ];
    for (const value of values) {
      const full = JSON.stringify(value);
      const preview = jsonPreview(value, 80);
      if (full.length <= 80) expect(preview).toBe(full);
      else expect(preview.slice(0, 81)).toBe(full.slice(0, 81));
    }
    // A 10 MB string costs the cut, not the string.
    expect(jsonPreview({ s: 'y'.repeat(10_000_000) }, 80).length).toBeLessThan(200);
  });
});
