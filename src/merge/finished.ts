import { FinishedTargets, inputHash } from '../targets/finished.js';
import { ResultFileError, readResults } from './read-results.js';

export { FinishedTargets, inputHash };

/** Indexes of a resume file must fit the 32 bits the key gives them (4 billion targets). */
const MAX_INDEX = 2 ** 32 - 1;

/**
 * Reads a previous run's NDJSON (strictly: a malformed line is an error naming file and line)
 * and keeps the finished results — every result but `cancelled` ones.
 * @throws ResultFileError
 */
export async function loadFinished(stream: NodeJS.ReadableStream, label: string): Promise<FinishedTargets> {
  let keys = new BigUint64Array(1024);
  let n = 0;
  for await (const batch of readResults(stream, label)) {
    for (const { result, line } of batch) {
      if (result.error?.code === 'cancelled') continue;
      if (result.index > MAX_INDEX) throw new ResultFileError(label, line, `index ${result.index} is too large`);
      if (n === keys.length) {
        const grown = new BigUint64Array(keys.length * 2);
        grown.set(keys);
        keys = grown;
      }
      keys[n++] = (BigInt(result.index) << 32n) | BigInt(inputHash(result.input));
    }
  }
  return new FinishedTargets(keys.slice(0, n));
}
