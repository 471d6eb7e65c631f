import { LineSplitter } from '../targets/read/lines.js';
import type { Result } from '../types.js';
import { parseResultLine } from './parse-result.js';

/**
 * A result line longer than this is refused. Far above any real one (a 64 KiB input plus a
 * hundred redirect hops), low enough that a file that is not NDJSON at all cannot make us hold
 * gigabytes looking for a newline.
 */
export const MAX_RESULT_LINE_BYTES = 8 * 1024 * 1024;

/** A line of a results file that is not a result we can use; the message says file and line. */
export class ResultFileError extends Error {
  override readonly name = 'ResultFileError';
  readonly code = 'bad_results';
  constructor(
    readonly file: string,
    readonly line: number,
    reason: string,
  ) {
    super(`${file} line ${line}: ${reason}`);
  }
}

export interface ReadResult {
  result: Result;
  /** The line as read (a flat string: cheaper to hold than the result object it parsed to). */
  text: string;
  /** 1-based line number in its file. */
  line: number;
}

/**
 * Reads NDJSON results (as `--ndjson` writes them) from a stream, batch by batch as chunks
 * arrive, so a file of any size is read in bounded memory. Blank lines are skipped (a trailing
 * newline, `cat a b`); anything else that is not a result throws a {@link ResultFileError}.
 */
export async function* readResults(stream: NodeJS.ReadableStream, label: string): AsyncGenerator<ReadResult[]> {
  let batch: ReadResult[] = [];
  let bad: ResultFileError | null = null;
  const splitter = new LineSplitter(
    {
      line(text, line) {
        if (bad !== null || text.trim() === '') return;
        try {
          batch.push({ result: parseResultLine(text), text, line });
        } catch (err) {
          bad = new ResultFileError(label, line, (err as Error).message);
        }
      },
      overlong(line) {
        bad ??= new ResultFileError(label, line, `longer than ${MAX_RESULT_LINE_BYTES} bytes`);
      },
    },
    MAX_RESULT_LINE_BYTES,
  );
  const take = (): ReadResult[] => {
    if (bad !== null) throw bad;
    const out = batch;
    batch = [];
    return out;
  };
  for await (const chunk of stream) {
    splitter.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer));
    const out = take();
    if (out.length > 0) yield out;
  }
  splitter.end();
  const out = take();
  if (out.length > 0) yield out;
}
