import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { escapeControls } from '../controls.js';
import { UsageError } from '../errors.js';
import { EXIT, main, type CliIO } from '../cli/main.js';
import { escapeData } from '../report/github.js';
import type { Summary } from '../report/summary.js';
import { splitWords } from './words.js';

/**
 * The GitHub Action (action.yml, `runs.using: node20`): its inputs as the runner hands them over
 * (`INPUT_TARGETS`, `INPUT_ARGS`, `INPUT_JUNIT`), fetch-many's CLI run in this process, and its
 * outputs appended to `$GITHUB_OUTPUT`: `exit-code` always; `ok`, `failed`, `flaky` once the run
 * reported; `junit` only when the JUnit file was written. Resolves to the exit code.
 *
 * A usage error — an input that does not split, no targets, a bad flag, a missing target file —
 * is one `::error` workflow command (the CLI writes its own in GitHub Actions) and exit code 2.
 */
export async function runAction(io: CliIO): Promise<number> {
  const env = io.env;
  const outputs: Array<[string, string]> = [];
  let code: number;
  try {
    const targets = splitWords(env.INPUT_TARGETS ?? '', 'targets');
    const args = splitWords(env.INPUT_ARGS ?? '', 'args');
    if (targets.length === 0) throw new UsageError('the targets input is empty: give target files or URLs');
    const junit = (env.INPUT_JUNIT ?? '').trim();
    const argv = [...targets, ...args];
    if (junit !== '') {
      // The report's folder may not exist yet (`reports/smoke.xml`); fetch-many creates no folders.
      try {
        mkdirSync(dirname(junit), { recursive: true });
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        throw new UsageError(`cannot create the folder of the junit report ${junit}: ${e.code ?? e.message}`);
      }
      argv.push('--junit', junit);
    }
    let summary: Summary | null = null;
    code = await main(argv, {
      ...io,
      onSummary: (s) => {
        summary = s;
      },
    });
    const s = summary as Summary | null;
    if (s !== null) {
      outputs.push(['ok', String(s.ok)], ['failed', String(s.failed)], ['flaky', String(s.flaky)]);
      if (junit !== '') outputs.push(['junit', junit]);
    }
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stdout.write(`::error title=fetch-many::${escapeData(escapeControls(err.message))}\n`);
    code = EXIT.usage;
  }
  outputs.push(['exit-code', String(code)]);
  writeOutputs(env.GITHUB_OUTPUT, outputs);
  return code;
}

/** `name=value` lines for `$GITHUB_OUTPUT` (the heredoc form for a value with a line break). */
function writeOutputs(file: string | undefined, outputs: ReadonlyArray<readonly [string, string]>): void {
  if (file === undefined || file === '') return;
  let text = '';
  for (const [name, value] of outputs) {
    if (!/[\r\n]/.test(value)) {
      text += `${name}=${value}\n`;
      continue;
    }
    let delimiter = 'FETCH_MANY_EOF';
    while (value.includes(delimiter)) delimiter += '_';
    text += `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
  }
  appendFileSync(file, text, 'utf8');
}
