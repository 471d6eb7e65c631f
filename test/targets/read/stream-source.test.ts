import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { InputReadError, openSources, type SourceItem } from '../../../src/targets/read/sources.js';

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

describe('stdin: hostile and broken input (issue 12)', () => {
  it('a malformed first JSON line is an invalid item; the lines after it are read', async () => {
    const got = await read(stdin('{"url": broken}\n{"url": "a.test"}\n"b.test"\n'));
    expect(got).toEqual([
      {
        raw: '{"url": broken}',
        invalid: 'stdin line 1: invalid JSON at column 9: unexpected "b", expected a value',
      },
      { input: { url: 'a.test' } },
      { input: 'b.test' },
    ]);
  });

  it.each([
    ['an unterminated string', '{"url": "a.test\n{"url": "b.test"}\n', 'unterminated string'],
    ['a first line starting with a quote', '"a.test\n"b.test"\n', 'unterminated string'],
    ['garbage after the value', '{"url": "a.test"} x\n"b.test"\n', 'after the end of the JSON value'],
  ])('%s on the first line is a bad line, not the start of a document', async (_, text, why) => {
    const got = await read(stdin(text));
    expect(got).toHaveLength(2);
    expect(got[0]).toMatchObject({ invalid: expect.stringContaining(why) });
    expect('input' in (got[1] as SourceItem)).toBe(true);
  });

  it('numbers lines from the start of the input, leading blank lines included', async () => {
    const got = await read(stdin('\n\n  {bad}\n'));
    expect(got).toEqual([{ raw: '{bad}', invalid: expect.stringMatching(/^stdin line 3: /) }]);
    expect(await usage(stdin('\n\n  [1,\n  2,]'))).toBe('stdin:4:5: trailing comma before "]"');
    expect(await usage(stdin('\n\n  [1 2]'))).toBe('stdin:3:6: expected "," or "]" after an array element, got "2"');
  });

  it('reads a 40 MiB first line in one pass and keeps at most 64 KiB of it', async () => {
    // One 40 MiB line fed in 64 KiB chunks: before, every chunk re-joined all that came before it.
    const piece = Buffer.alloc(65_536, 'a');
    const chunks = [Buffer.from('{"url": "')];
    for (let i = 0; i < 640; i++) chunks.push(piece);
    chunks.push(Buffer.from('"}\n"b.test"\n'));
    const got = await read(stdin(...chunks));
    expect(got).toEqual([
      { raw: `{"url": "${'a'.repeat(91)}…`, invalid: 'stdin line 1 longer than 65536 bytes' },
      { input: 'b.test' },
    ]);
  });

  it('reads an overlong first line that opens a {"targets": …} document as a document', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => `"t${i}.test"`).join(',');
    const got = await read(stdin(`{"targets": [${many}]}\n`));
    expect(got).toHaveLength(5000);
    expect(got[4999]).toEqual({ input: 't4999.test' });
  });

  it('refuses a JSON document over 128 MiB before holding it, with one clear line', async () => {
    // The same 1 MiB buffer 129 times: what the reader keeps is references until it gives up.
    const mib = Buffer.alloc(1024 * 1024, ' ');
    const chunks = [Buffer.from('['), ...Array.from({ length: 129 }, () => mib), Buffer.from(']')];
    expect(await usage(Readable.from(chunks))).toBe(
      'stdin: JSON document larger than 128 MiB (put one target per line instead: JSON lines are streamed, without a size limit)',
    );
  });

  it('turns a deeply nested JSON line into one invalid item, and reads on', async () => {
    const deep = `{"url": "a.test", "headers": ${'['.repeat(30_000)}${']'.repeat(30_000)}}`;
    const got = await read(stdin(`${deep}\n"b.test"\n`));
    expect(got).toEqual([
      {
        raw: '{"url":…',
        invalid: expect.stringMatching(/^stdin line 1: nested deeper than 32 levels \(at \$\.headers\[0\]\[0\]/),
      },
      { input: 'b.test' },
    ]);
  });

  it('a deep target in a JSON array is one invalid item naming its place; the others stay', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const got = await read(stdin(`["a.test", ${deep}, "b.test"]`));
    expect(got).toEqual([
      { input: 'a.test' },
      {
        raw: `${'['.repeat(40)}…`,
        invalid: expect.stringMatching(/^stdin: target 2 nested deeper than 32 levels \(at \$\[1\]\[0\]/),
      },
      { input: 'b.test' },
    ]);
  });

  it('a read error before the first line is a usage error naming it', async () => {
    const broken = new Readable({
      read() {
        this.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
      },
    });
    expect(await usage(broken)).toBe('cannot read stdin: connection reset (ECONNRESET)');
  });

  it('a read error mid-stream yields every complete line, then throws InputReadError', async () => {
    const input = new PassThrough();
    input.write('a.test\nb.test\nc.te');
    const got: SourceItem[] = [];
    const iterable = await openSources([{ kind: 'stdin' }], input);
    let thrown: unknown;
    try {
      for await (const item of iterable) {
        got.push(item);
        if (got.length === 2) input.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
      }
    } catch (err) {
      thrown = err;
    }
    expect(inputs(got)).toEqual(['a.test', 'b.test']);
    expect(thrown).toBeInstanceOf(InputReadError);
    expect(thrown).toMatchObject({
      code: 'input_read_error',
      message: 'stdin: read error after 2 lines: connection reset (ECONNRESET)',
    });
  });
});
