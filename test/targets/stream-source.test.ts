import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { openSources, type SourceItem } from '../../src/targets/sources.js';

/** Feeds `chunks` as stdin, each string or Buffer one chunk. */
function stdin(...chunks: Array<string | Buffer>): Readable {
  return Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)));
}

async function read(stream: NodeJS.ReadableStream): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const item of await openSources([{ kind: 'stdin' }], stream)) out.push(item);
  return out;
}

async function usage(stream: NodeJS.ReadableStream): Promise<string> {
  try {
    await openSources([{ kind: 'stdin' }], stream);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

const inputs = (items: SourceItem[]) => items.map((item) => ('input' in item ? item.input : { invalid: item.invalid }));

describe('stdin: newline-delimited targets', () => {
  it('skips blank and # lines, trims, tolerates CRLF', async () => {
    expect(inputs(await read(stdin('\n  # list\r\na.test\r\n\r\n  http://b.test/x  \n#c.test\nd.test')))).toEqual([
      'a.test',
      'http://b.test/x',
      'd.test',
    ]);
  });

  it('joins a line split across chunks and a CRLF split between chunks', async () => {
    expect(inputs(await read(stdin('http://a.te', 'st/one\r', '\nb.test\r\n', 'c', '.test')))).toEqual([
      'http://a.test/one',
      'b.test',
      'c.test',
    ]);
  });

  it('gives the same items for every split point of the input', async () => {
    const text = '# x\r\nhttp://a.test/é\r\n\r\n[::1]:80\n{"url":"x"}\n';
    const bytes = Buffer.from(text);
    const whole = await read(stdin(bytes));
    expect(inputs(whole)).toEqual(['http://a.test/é', '[::1]:80', '{"url":"x"}']);
    for (let i = 1; i < bytes.length; i++) {
      expect(await read(stdin(bytes.subarray(0, i), bytes.subarray(i))), `split at ${i}`).toEqual(whole);
    }
  });

  it('accepts string chunks (a stream with setEncoding)', async () => {
    expect(inputs(await read(Readable.from(['a.te', 'st\nb.test\n'])))).toEqual(['a.test', 'b.test']);
  });

  it('strips a UTF-8 BOM split across chunks', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    expect(
      inputs(await read(stdin(bom.subarray(0, 1), Buffer.concat([bom.subarray(1), Buffer.from('a.test\n')])))),
    ).toEqual(['a.test']);
  });

  it('yields nothing for empty or blank input', async () => {
    expect(await read(stdin())).toEqual([]);
    expect(await read(stdin('\n \r\n\t'))).toEqual([]);
  });

  it('turns a 10 MB line into one invalid item and reads on', async () => {
    const big = Buffer.alloc(10 * 1024 * 1024, 'a');
    const chunks: Buffer[] = [Buffer.from('first.test\n')];
    for (let i = 0; i < big.length; i += 65_536) chunks.push(big.subarray(i, i + 65_536));
    chunks.push(Buffer.from('\nlast.test\n'));
    const got = await read(stdin(...chunks));
    expect(got).toHaveLength(3);
    expect(got[0]).toEqual({ input: 'first.test' });
    expect(got[1]).toEqual({ raw: `${'a'.repeat(100)}…`, invalid: 'stdin line 2 longer than 65536 bytes' });
    expect(got[2]).toEqual({ input: 'last.test' });
  });

  it('turns binary garbage into items without crashing', async () => {
    let seed = 42;
    const garbage = Buffer.alloc(200_000);
    for (let i = 0; i < garbage.length; i++) {
      seed = (seed * 1_103_515_245 + 12_345) >>> 0;
      garbage[i] = seed >>> 24;
    }
    const got = await read(stdin(Buffer.from('ok.test\n'), garbage, Buffer.from('\nok2.test\n')));
    expect(got[0]).toEqual({ input: 'ok.test' });
    expect(got[got.length - 1]).toEqual({ input: 'ok2.test' });
    // Every line in between is some string; validation (not the reader) decides they are invalid.
    for (const item of got) expect('input' in item && typeof item.input === 'string').toBe(true);
  });
});

describe('stdin: JSON array', () => {
  it('reads a JSON array split at awkward points', async () => {
    expect(inputs(await read(stdin('  \n[', '"a.test", {"url": "b.te', 'st"}\n', ']\n')))).toEqual([
      'a.test',
      { url: 'b.test' },
    ]);
  });

  it('reports malformed JSON with stdin:line:col', async () => {
    expect(await usage(stdin('[\n  "a.test",\n  "b.test"', '\n  "c.test"\n]'))).toBe(
      'stdin:4:3: expected "," or "]" after an array element, got "\\""',
    );
  });
});

describe('stdin: JSON lines', () => {
  it('reads one object or string per line; a bad line is an invalid item', async () => {
    const got = await read(stdin('{"url": "a.test"}\n', '"b.test"\n\n{"url": ', '"c.test"}\r\n{bad}\n[1]\n'));
    expect(inputs(got)).toEqual([
      { url: 'a.test' },
      'b.test',
      { url: 'c.test' },
      { invalid: 'stdin line 5: invalid JSON at column 2: expected a property name in double quotes, got "b"' },
      [1],
    ]);
  });

  it('detects JSON lines from a leading string too', async () => {
    expect(inputs(await read(stdin('"a.test"\n{"url": "b.test"}\n')))).toEqual(['a.test', { url: 'b.test' }]);
  });

  it('reads a pretty-printed {defaults, targets} document whole', async () => {
    const doc = '{\n  "defaults": {"method": "HEAD"},\n  "targets": [\n    "a.test",\n    {"url": "b.test"}\n  ]\n}\n';
    const got = await read(stdin(doc.slice(0, 5), doc.slice(5, 40), doc.slice(40)));
    expect(got).toEqual([
      { input: 'a.test', fileDefaults: { method: 'HEAD' } },
      { input: { url: 'b.test' }, fileDefaults: { method: 'HEAD' } },
    ]);
  });

  it('reads a one-line {targets} document as a document, not as one target', async () => {
    expect(await read(stdin('{"targets": ["a.test", "b.test"]}'))).toEqual([{ input: 'a.test' }, { input: 'b.test' }]);
  });

  it('reports a malformed multi-line document as a usage error with position', async () => {
    expect(await usage(stdin('{\n  "targets": [\n    "a.test",\n  ]\n}\n'))).toBe(
      'stdin:4:3: trailing comma before "]"',
    );
  });

  it('reports a multi-line object that is not a {targets} document', async () => {
    expect(await usage(stdin('{\n  "url": "a.test"\n}\n'))).toMatch(/^stdin: unknown key "url" .*own line/);
  });
});

describe('stdin: resources', () => {
  it('destroys stdin when the reader stops early', async () => {
    const input = new PassThrough();
    input.write('a.test\nb.test\n');
    const iterable = await openSources([{ kind: 'stdin' }], input);
    for await (const item of iterable) {
      expect(item).toEqual({ input: 'a.test' });
      break;
    }
    expect(input.destroyed).toBe(true);
  });

  it('destroys stdin when a usage error is thrown', async () => {
    const input = new PassThrough();
    input.end('[1,');
    await expect(openSources([{ kind: 'stdin' }], input)).rejects.toThrow(UsageError);
    expect(input.destroyed).toBe(true);
  });
});
