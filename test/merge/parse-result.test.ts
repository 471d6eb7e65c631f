import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseResultLine } from '../../src/merge/parse-result.js';
import { readResults, ResultFileError } from '../../src/merge/read-results.js';
import { resultToJson } from '../../src/report/result-json.js';
import { arbResult } from '../report/arbitraries.js';
import { makeResult } from '../report/helpers.js';

const full = makeResult({
  index: 7,
  name: 'api',
  redirects: [{ status: 301, url: 'http://127.0.0.1:1/a' }],
  tls: {
    protocol: 'TLSv1.3',
    cipher: 'TLS_AES_256_GCM_SHA384',
    subject: 'CN=example.com',
    issuer: 'CN=ca',
    validTo: '2030-01-01T00:00:00.000Z',
    daysLeft: -3,
    resumed: true,
  },
  error: { code: 'timeout', phase: 'body', message: 'timed out' },
  failures: ['status 504 not in 200-399'],
  decodedBytes: 99,
  attempts: 3,
  savedTo: 'example.com/index.html',
  sha256: 'ab12',
});

async function readAll(text: string | Buffer[], label = 'r.ndjson') {
  const out = [];
  for await (const batch of readResults(Readable.from(typeof text === 'string' ? [text] : text), label))
    out.push(...batch);
  return out;
}

describe('parseResultLine', () => {
  it('is the inverse of resultToJson for any result', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1e9 }).chain(arbResult), (r) => {
        const json = resultToJson(r);
        expect(resultToJson(parseResultLine(json))).toBe(json);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips every field, TLS, redirects, savedTo and a digest included', () => {
    expect(parseResultLine(resultToJson(full))).toEqual(full);
    expect(resultToJson(parseResultLine(resultToJson(full)))).toBe(resultToJson(full));
    const { sha256: _digest, ...withoutDigest } = full;
    expect(parseResultLine(resultToJson(withoutDigest))).not.toHaveProperty('sha256');
  });

  it('reads an invalid target, which made no attempt and has no URL', () => {
    const invalid = makeResult({
      url: null,
      finalUrl: null,
      status: null,
      ok: false,
      bytes: 0,
      attempts: 0,
      remoteAddress: null,
      error: { code: 'invalid_target', message: 'bad' },
    });
    expect(parseResultLine(resultToJson(invalid))).toEqual(invalid);
  });

  it.each([
    ['not JSON', '{"index":', /not valid JSON/],
    ['an array', '[1]', /not a JSON object/],
    ['an unknown field', resultToJson(makeResult()).replace('{', '{"extra":1,'), /unknown field "extra"/],
    [
      'a missing field',
      resultToJson(makeResult()).replace(/"ok":true,/, ''),
      /field "ok" must be true or false, got nothing/,
    ],
    ['a negative index', resultToJson(makeResult()).replace('"index":0', '"index":-1'), /field "index"/],
    ['a fractional index', resultToJson(makeResult()).replace('"index":0', '"index":1.5'), /field "index"/],
    ['a status string', resultToJson(makeResult()).replace('"status":200', '"status":"200"'), /field "status"/],
    ['a bad timing', resultToJson(makeResult()).replace('"total":3.125', '"total":"x"'), /field "timings.total"/],
    [
      'a bad error code',
      resultToJson(makeResult({ error: { code: 'refused', message: 'm' } })).replace('"refused"', '"Refused!"'),
      /field "error.code"/,
    ],
    [
      'a bad phase',
      resultToJson(makeResult({ error: { code: 'timeout', phase: 'body', message: 'm' } })).replace('"body"', '"soon"'),
      /field "error.phase"/,
    ],
    [
      'a failure that is not text',
      resultToJson(makeResult()).replace('"failures":[]', '"failures":[1]'),
      /failures\[0\]/,
    ],
  ])('refuses %s', (_what, line, message) => {
    expect(() => parseResultLine(line)).toThrow(message);
  });
});

describe('readResults', () => {
  it('reads lines split anywhere across chunks, skipping blank lines, with line numbers', async () => {
    const text = `${resultToJson(makeResult({ index: 0 }))}\n\n${resultToJson(makeResult({ index: 1 }))}\r\n`;
    const bytes = Buffer.from(text);
    for (const at of [1, 17, Math.floor(bytes.length / 2), bytes.length - 1]) {
      const read = await readAll([bytes.subarray(0, at), bytes.subarray(at)]);
      expect(read.map((r) => [r.result.index, r.line])).toEqual([
        [0, 1],
        [1, 3],
      ]);
    }
  });

  it('a malformed line is one error naming the file and the line number', async () => {
    const text = `${resultToJson(makeResult({ index: 0 }))}\n{"index":1,\n`;
    const err = await readAll(text, 'shard-2.ndjson').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResultFileError);
    expect((err as Error).message).toBe('shard-2.ndjson line 2: not valid JSON');
    expect((err as Error).message).not.toContain('\n');
  });

  it('a last line cut short (a killed writer) is an error too', async () => {
    const line = resultToJson(makeResult({ index: 0 }));
    await expect(readAll(line.slice(0, -5))).rejects.toThrow(/r\.ndjson line 1: not valid JSON/);
  });
});

describe('lines from before HTTP/2 (issue 10)', () => {
  it('reads a line without httpVersion and a tls object without resumed', () => {
    const line = resultToJson(full)
      .replace(/,"httpVersion":(null|"[^"]*")/, '')
      .replace(',"resumed":true', '');
    expect(line).not.toContain('httpVersion');
    const r = parseResultLine(line);
    expect(r.httpVersion).toBeNull();
    expect(r.tls?.resumed).toBe(false);
  });

  it('refuses an httpVersion that is not one of ours', () => {
    const line = resultToJson({ ...full, httpVersion: '2' }).replace('"httpVersion":"2"', '"httpVersion":"3"');
    expect(() => parseResultLine(line)).toThrow(/httpVersion/);
  });
});
