/**
 * HPACK decoder and encoder against RFC 7541 Appendix C, every example fed at every split point
 * into two fragments, with the dynamic table checked after each block.
 */
import { describe, expect, it } from 'vitest';
import { HpackDecoder, HpackEncoder, HpackError } from '../../../src/engine/h2/hpack.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

interface Example {
  name: string;
  bytes: string;
  fields: string[];
  /** Newest first: [name, value, size]. */
  table: Array<[string, string, number]>;
  tableSize: number;
}

/** Decodes a sequence of blocks on one decoder, each block split at `split` (clamped), checking each. */
function decodeSequence(examples: Example[], maxTableSize: number, split: number): void {
  const decoder = new HpackDecoder(maxTableSize);
  for (const ex of examples) {
    const bytes = hex(ex.bytes);
    const at = Math.min(split, bytes.length);
    decoder.begin(64 * 1024);
    decoder.push(bytes.subarray(0, at));
    decoder.push(bytes.subarray(at));
    const block = decoder.end();
    const where = `${ex.name}, split at ${at}`;
    expect(block.fields, where).toEqual(ex.fields);
    expect(block.tooLarge, where).toBe(false);
    let size = 0;
    for (let i = 0; i < ex.fields.length; i += 2) size += ex.fields[i]!.length + ex.fields[i + 1]!.length + 32;
    expect(block.size, where).toBe(size);
    expect(decoder.dynamicTable(), where).toEqual(ex.table);
    expect(decoder.dynamicTableSize, where).toBe(ex.tableSize);
  }
}

function everySplit(examples: Example[], maxTableSize = 4096): void {
  const longest = Math.max(...examples.map((e) => hex(e.bytes).length));
  for (let split = 0; split <= longest; split++) decodeSequence(examples, maxTableSize, split);
}

const req1 = [':method', 'GET', ':scheme', 'http', ':path', '/', ':authority', 'www.example.com'];
const req2 = [...req1, 'cache-control', 'no-cache'];
const req3 = [
  ':method',
  'GET',
  ':scheme',
  'https',
  ':path',
  '/index.html',
  ':authority',
  'www.example.com',
  'custom-key',
  'custom-value',
];
const reqTables: Array<Array<[string, string, number]>> = [
  [[':authority', 'www.example.com', 57]],
  [
    ['cache-control', 'no-cache', 53],
    [':authority', 'www.example.com', 57],
  ],
  [
    ['custom-key', 'custom-value', 54],
    ['cache-control', 'no-cache', 53],
    [':authority', 'www.example.com', 57],
  ],
];

const date1 = 'Mon, 21 Oct 2013 20:13:21 GMT';
const date2 = 'Mon, 21 Oct 2013 20:13:22 GMT';
const loc = 'https://www.example.com';
const cookie = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1';
const resp1 = [':status', '302', 'cache-control', 'private', 'date', date1, 'location', loc];
const resp2 = [':status', '307', 'cache-control', 'private', 'date', date1, 'location', loc];
const resp3 = [
  ':status',
  '200',
  'cache-control',
  'private',
  'date',
  date2,
  'location',
  loc,
  'content-encoding',
  'gzip',
  'set-cookie',
  cookie,
];
const respTables: Array<Array<[string, string, number]>> = [
  [
    ['location', loc, 63],
    ['date', date1, 65],
    ['cache-control', 'private', 52],
    [':status', '302', 42],
  ],
  [
    [':status', '307', 42],
    ['location', loc, 63],
    ['date', date1, 65],
    ['cache-control', 'private', 52],
  ],
  [
    ['set-cookie', cookie, 98],
    ['content-encoding', 'gzip', 52],
    ['date', date2, 65],
  ],
];

describe('RFC 7541 Appendix C.2: single representations', () => {
  it('C.2.1 literal with indexing', () => {
    everySplit([
      {
        name: 'C.2.1',
        bytes: '400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572',
        fields: ['custom-key', 'custom-header'],
        table: [['custom-key', 'custom-header', 55]],
        tableSize: 55,
      },
    ]);
  });
  it('C.2.2 literal without indexing', () => {
    everySplit([
      {
        name: 'C.2.2',
        bytes: '040c 2f73 616d 706c 652f 7061 7468',
        fields: [':path', '/sample/path'],
        table: [],
        tableSize: 0,
      },
    ]);
  });
  it('C.2.3 literal never indexed', () => {
    everySplit([
      {
        name: 'C.2.3',
        bytes: '1008 7061 7373 776f 7264 0673 6563 7265 74',
        fields: ['password', 'secret'],
        table: [],
        tableSize: 0,
      },
    ]);
  });
  it('C.2.4 indexed field', () => {
    everySplit([{ name: 'C.2.4', bytes: '82', fields: [':method', 'GET'], table: [], tableSize: 0 }]);
  });
});

describe('RFC 7541 Appendix C.3/C.4: requests on one connection', () => {
  it('C.3 without Huffman coding', () => {
    everySplit([
      {
        name: 'C.3.1',
        bytes: '8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
        fields: req1,
        table: reqTables[0]!,
        tableSize: 57,
      },
      {
        name: 'C.3.2',
        bytes: '8286 84be 5808 6e6f 2d63 6163 6865',
        fields: req2,
        table: reqTables[1]!,
        tableSize: 110,
      },
      {
        name: 'C.3.3',
        bytes: '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65',
        fields: req3,
        table: reqTables[2]!,
        tableSize: 164,
      },
    ]);
  });
  it('C.4 with Huffman coding', () => {
    everySplit([
      {
        name: 'C.4.1',
        bytes: '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff',
        fields: req1,
        table: reqTables[0]!,
        tableSize: 57,
      },
      { name: 'C.4.2', bytes: '8286 84be 5886 a8eb 1064 9cbf', fields: req2, table: reqTables[1]!, tableSize: 110 },
      {
        name: 'C.4.3',
        bytes: '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf',
        fields: req3,
        table: reqTables[2]!,
        tableSize: 164,
      },
    ]);
  });
});

describe('RFC 7541 Appendix C.5/C.6: responses with eviction (table size 256)', () => {
  it('C.5 without Huffman coding', () => {
    everySplit(
      [
        {
          name: 'C.5.1',
          bytes: `4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133
                  2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70
                  6c65 2e63 6f6d`,
          fields: resp1,
          table: respTables[0]!,
          tableSize: 222,
        },
        { name: 'C.5.2', bytes: '4803 3330 37c1 c0bf', fields: resp2, table: respTables[1]!, tableSize: 222 },
        {
          name: 'C.5.3',
          bytes: `88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d
                  54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049
                  5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e
                  3d31`,
          fields: resp3,
          table: respTables[2]!,
          tableSize: 215,
        },
      ],
      256,
    );
  });
  it('C.6 with Huffman coding', () => {
    everySplit(
      [
        {
          name: 'C.6.1',
          bytes: `4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
                  2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3`,
          fields: resp1,
          table: respTables[0]!,
          tableSize: 222,
        },
        { name: 'C.6.2', bytes: '4883 640e ffc1 c0bf', fields: resp2, table: respTables[1]!, tableSize: 222 },
        {
          name: 'C.6.3',
          bytes: `88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
                  77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
                  9587 3160 65c0 03ed 4ee5 b106 3d50 07`,
          fields: resp3,
          table: respTables[2]!,
          tableSize: 215,
        },
      ],
      256,
    );
  });
});

describe('RFC 7541 C.1 integers through the decoder', () => {
  it('reads a multi-octet index (C.1.2 style) and a value at the prefix boundary', () => {
    // 70 entries in the dynamic table put the oldest at index 131: past the 7-bit prefix (127), so
    // the second block refers to them with a continuation octet (§5.1).
    const decoder = new HpackDecoder();
    decoder.begin(1 << 20);
    const enc = new HpackEncoder();
    const fields: string[] = [];
    for (let i = 0; i < 70; i++) fields.push(`x-${i}`, 'v');
    decoder.push(enc.encode(fields));
    expect(decoder.end().fields).toEqual(fields);
    // Second time every field is indexed; the oldest ones are past index 127 (two octets).
    const again = enc.encode(fields);
    expect(again.length).toBeGreaterThan(70);
    decoder.begin(1 << 20);
    decoder.push(again);
    expect(decoder.end().fields).toEqual(fields);
  });
});

describe('HpackError', () => {
  it('has the stable code compression', () => {
    const decoder = new HpackDecoder();
    decoder.begin(1000);
    try {
      decoder.push(hex('80'));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(HpackError);
      expect((err as HpackError).code).toBe('compression');
    }
  });
});

describe('blocks captured from a real server', () => {
  it('nginx 1.22.1 (h2c): literals with incremental indexing and Huffman values, every split point', () => {
    const date = 'Fri, 27 Nov 2026 20:37:12 GMT';
    const fileBlock = `887689aa6355e580ae212e1f6196c361be9413aa693f75040138a08171976e044a62d1bf5f87497ca58ae819aa5c04313032346c
      96c361be9413aa693f75040138a08171976e01c53168df00832a47378bfe5c8c0f95f944b34007f3008919085ad2b583aa62a3848fd24a8f`;
    const file = [
      ':status',
      '200',
      'server',
      'nginx/1.22.1',
      'date',
      date,
      'content-type',
      'text/plain',
      'content-length',
      '1024',
      'last-modified',
      'Fri, 27 Nov 2026 20:37:06 GMT',
      'etag',
      '"6b09e9f2-400"',
      'accept-ranges',
      'bytes',
    ];
    const fileEntries: Array<[string, string, number]> = [
      ['last-modified', 'Fri, 27 Nov 2026 20:37:06 GMT', 74],
      ['content-length', '1024', 50],
      ['content-type', 'text/plain', 54],
      ['date', date, 65],
      ['server', 'nginx/1.22.1', 50],
    ];
    const returned: Array<[string, string, number]> = [
      ['content-length', '16', 48],
      ['content-type', 'application/octet-stream', 68],
      ['date', date, 65],
      ['server', 'nginx/1.22.1', 50],
    ];
    everySplit([
      { name: 'nginx file', bytes: fileBlock, fields: file, table: fileEntries, tableSize: 293 },
      {
        name: 'nginx file again',
        bytes: fileBlock,
        fields: file,
        table: [...fileEntries, ...fileEntries],
        tableSize: 586,
      },
      {
        name: 'nginx return 200',
        bytes:
          '887689aa6355e580ae212e1f6196c361be9413aa693f75040138a08171976e044a62d1bf5f901d75d0620d263d4c1c892a56426c28e95c023136',
        fields: [
          ':status',
          '200',
          'server',
          'nginx/1.22.1',
          'date',
          date,
          'content-type',
          'application/octet-stream',
          'content-length',
          '16',
        ],
        table: [...returned, ...fileEntries, ...fileEntries],
        tableSize: 817,
      },
    ]);
  });
});

describe('our encoder reproduces Appendix C byte for byte', () => {
  // Its choices happen to be the examples': static matches, incremental indexing, Huffman when shorter.
  it('C.4 requests with Huffman coding', () => {
    const enc = new HpackEncoder();
    expect(enc.encode(req1).toString('hex')).toBe(hex('8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff').toString('hex'));
    expect(enc.encode(req2).toString('hex')).toBe(hex('8286 84be 5886 a8eb 1064 9cbf').toString('hex'));
    expect(enc.encode(req3).toString('hex')).toBe(
      hex('8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf').toString('hex'),
    );
  });
  it('C.6 responses with Huffman coding and eviction at 256 octets', () => {
    const enc = new HpackEncoder();
    enc.setPeerTableSize(256);
    const first = enc.encode(resp1);
    // The examples assume 256 from the start; we announce it first (§6.3: 001 + 5-bit prefix).
    expect(first.subarray(0, 3).toString('hex')).toBe('3fe101');
    expect(first.subarray(3).toString('hex')).toBe(
      hex(`4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
           2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3`).toString('hex'),
    );
    // One difference: "307" is 3 octets Huffman-coded too, and at equal length we keep it raw
    // (nothing saved, decoding work added); the example codes it (4883 640eff).
    expect(enc.encode(resp2).toString('hex')).toBe(hex('4803 3330 37c1 c0bf').toString('hex'));
    expect(enc.encode(resp3).toString('hex')).toBe(
      hex(`88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
           77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
           9587 3160 65c0 03ed 4ee5 b106 3d50 07`).toString('hex'),
    );
  });
});
