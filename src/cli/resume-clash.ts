import { fstatSync, statSync, type Stats } from 'node:fs';
import { UsageError } from '../errors.js';
import { escapeControls } from '../controls.js';

/** An output of this run that `--resume` must not read from: a stream we write, or a report file. */
export type RunOutput = { what: string; stream: NodeJS.WritableStream } | { what: string; path: string };

/**
 * Refuses a `--resume` file that is also one of this run's outputs:
 * `fetch-many --resume f … > f` — the shell has truncated `f` before we start, so the run would
 * silently redo every target, and then overwrite the results it was meant to resume from. The
 * same goes for `2> f` and `--junit f`. Compared by device and inode, not by name: `./f`, a
 * hard link or a symlink to it are the same file. Only regular files are compared (a resume
 * file is one); an output that cannot be looked at is not a clash.
 * @throws UsageError naming the output
 */
export function refuseResumeOutput(resume: string, outputs: readonly RunOutput[]): void {
  let file: Stats;
  try {
    file = statSync(resume);
  } catch {
    return; // reading it says why it cannot be read
  }
  if (!file.isFile()) return;
  for (const output of outputs) {
    const st = 'path' in output ? statOrNull(output.path) : fstatOrNull(output.stream);
    if (st?.isFile() && st.dev === file.dev && st.ino === file.ino) {
      throw new UsageError(
        `--resume ${escapeControls(resume)}: is also ${output.what}, which this run overwrites (give the results of the earlier run another name)`,
      );
    }
  }
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/** The stream's file, when it is a file descriptor's stream (process.stdout, a tty, a file). */
function fstatOrNull(stream: NodeJS.WritableStream): Stats | null {
  const fd = (stream as { fd?: unknown }).fd;
  if (typeof fd !== 'number') return null;
  try {
    return fstatSync(fd);
  } catch {
    return null;
  }
}
