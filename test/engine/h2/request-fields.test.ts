/**
 * A session's request field lists (H2RequestFields: one reused array, regular fields worked out
 * once per header list, the authority once per origin) must be exactly h2Fields's, request after
 * request, whatever the order of targets; and a HEADERS frame written in place around the encoded
 * block must be the frames headersFrames makes.
 */
import { describe, expect, it } from 'vitest';
import { FRAME_HEADROOM, headersFrames, headersFramesInPlace } from '../../../src/engine/h2/frames.js';
import { HpackEncoder } from '../../../src/engine/h2/hpack.js';
import { H2RequestFields, h2Fields } from '../../../src/engine/h2/request.js';
import type { Target, TargetInput } from '../../../src/types.js';
import { prepare } from '../harness.js';

const shared = {
  headers: [
    ['X-Run', 'one'],
    ['Accept', 'text/plain'],
  ] as const,
};
const inputs: TargetInput[] = [
  'https://a.example.com/one',
  'https://a.example.com:8443/two?q=1',
  'http://a.example.com/three',
  'https://b.example.com/four',
  { url: 'https://a.example.com/host', headers: { Host: 'other.example.com', 'User-Agent': 'mine' } },
  { url: 'https://a.example.com/post', method: 'POST', body: 'hello' },
  { url: 'https://a.example.com/put', method: 'PUT' },
  { url: 'https://a.example.com/te', headers: { TE: 'gzip', Connection: 'close', 'Accept-Encoding': 'br' } },
  'https://[::1]:8443/v6',
  'https://a.example.com/one-again',
];

describe('H2RequestFields', () => {
  for (const [userAgent, acceptEncoding] of [
    ['fetch-many/test', false],
    ['fetch-many/test', true],
  ] as const) {
    it(`gives h2Fields's list for every target in turn (acceptEncoding ${acceptEncoding})`, () => {
      const plain = prepare(inputs) as Target[];
      // Targets sharing one header list object, as the run's -H flags give them.
      const withShared = prepare(['https://a.example.com/s1', 'https://a.example.com/s2'], shared) as Target[];
      const targets = [...plain, ...withShared, ...plain.slice().reverse(), ...withShared];
      const builder = new H2RequestFields(userAgent, acceptEncoding);
      for (const target of targets) {
        const expected = h2Fields(target, userAgent, acceptEncoding);
        expect(builder.fields(target), target.url).toEqual(expected);
      }
    });
  }

  it('an encoded block framed in place is the frames headersFrames makes, one frame or several', () => {
    const [target] = prepare([
      { url: 'https://a.example.com/x', headers: { 'X-Long': 'v'.repeat(20_000) } },
    ]) as Target[];
    for (const maxFrame of [16_384, 1 << 20]) {
      for (const endStream of [true, false]) {
        const fields = h2Fields(target!, 'ua', false);
        const block = new HpackEncoder().encode(fields);
        const inPlace = new HpackEncoder().encode(fields, FRAME_HEADROOM);
        expect(inPlace.subarray(FRAME_HEADROOM)).toEqual(block);
        expect(headersFramesInPlace(7, inPlace, endStream, maxFrame)).toEqual(
          headersFrames(7, block, endStream, maxFrame),
        );
      }
    }
  });
});
