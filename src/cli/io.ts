import type { Summary } from '../report/summary.js';

/** The process streams and environment the CLI uses; tests hand in their own. */
export interface CliIO {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  /**
   * Called once with the run's totals after every report (JUnit file included) was written: the
   * GitHub Action sets its `ok`/`failed`/`flaky` outputs from it, and its `junit` output only then.
   */
  onSummary?: (summary: Summary) => void;
}
