import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { loadFinished } from '../merge/finished.js';
import { ResultFileError } from '../merge/read-results.js';
import type { Redactor } from '../report/index.js';
import type { Shard, TargetSelection } from '../targets/index.js';
import type { Result } from '../types.js';
import { cannotRead } from '../targets/read/sources.js';
import { unsentResult } from '../engine/unsent-result.js';

/**
 * The validated `--shard i/n` and `--resume FILE` → which targets this process runs. The resume
 * file is read whole now, before any request, so a malformed line stops the run before it starts.
 * @throws UsageError
 */
export async function resolveSelection(
  shard: Shard | undefined,
  resume: string | undefined,
  redact: Redactor,
): Promise<TargetSelection> {
  const selection: TargetSelection = {};
  if (shard !== undefined) selection.shard = shard;
  if (resume !== undefined) {
    try {
      await (await open(resume, 'r')).close();
    } catch (err) {
      throw cannotRead(resume, err, '--resume');
    }
    try {
      selection.resume = {
        finished: await loadFinished(createReadStream(resume), resume),
        label: resume,
        shown: (input) => redact(resultShowing(input)).input,
      };
    } catch (err) {
      if (err instanceof ResultFileError) throw new UsageError(`--resume: ${err.message}`);
      throw cannotRead(resume, err, '--resume');
    }
  }
  return selection;
}

/**
 * A result carrying only `input`: the results file holds each input as reports showed it
 * (secrets as `***`), so a list's input is compared after the same redaction, which looks at
 * the input itself for what to hide.
 */
function resultShowing(input: string): Result {
  return unsentResult(0, input, null);
}
