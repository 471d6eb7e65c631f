import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { loadFinished } from '../merge/finished.js';
import { ResultFileError } from '../merge/read-results.js';
import { parseShard, type TargetSelection } from '../targets/index.js';
import { cannotRead } from '../targets/sources.js';

/**
 * `--shard i/n` and `--resume FILE` → which targets this process runs. The resume file is read
 * whole now, before any request, so a malformed line stops the run before it starts.
 * @throws UsageError
 */
export async function resolveSelection(
  shard: string | undefined,
  resume: string | undefined,
): Promise<TargetSelection> {
  const selection: TargetSelection = {};
  if (shard !== undefined) selection.shard = parseShard(shard);
  if (resume !== undefined) {
    if (resume.trim() === '' || resume === '-')
      throw new UsageError('--resume needs the results file of the earlier run');
    try {
      await (await open(resume, 'r')).close();
    } catch (err) {
      throw cannotRead(resume, err, '--resume');
    }
    try {
      selection.resume = { finished: await loadFinished(createReadStream(resume), resume), label: resume };
    } catch (err) {
      if (err instanceof ResultFileError) throw new UsageError(`--resume: ${err.message}`);
      throw cannotRead(resume, err, '--resume');
    }
  }
  return selection;
}
