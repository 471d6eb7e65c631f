import { open } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { escapeControls } from '../controls.js';
import { errnoWords } from '../errno.js';
import type { FileBody, InvalidTarget, PreparedTarget, SourceLocation, Target } from '../types.js';
import { describeValue } from '../describe.js';

/**
 * A target's `bodyFile`: a file whose bytes are the request body, streamed from it as each request
 * goes out, exactly as `--data-binary @file` (no CR/LF removal). Read in two steps:
 *
 * 1. {@link readBodyFile}, with the target's other fields (normalize.ts): the field is a non-empty
 *    string, and the target has no `body`/`data` beside it.
 * 2. {@link withBodyFile}, once the target is valid and selected (not another shard's, not a
 *    finished one of `--resume`): the path is resolved and the file opened and measured, without
 *    blocking — its size is the Content-Length. A file that is missing, unreadable or not a
 *    regular file makes this one target `invalid_target`, naming the path; the others run.
 *
 * A relative path resolves against the folder of the target file it is written in, as a compiler
 * resolves an include: a list and its bodies move together, and the run may start from any folder
 * (CI runs from the repository's root, a user from the list's folder). Targets without a file —
 * stdin, the library — resolve against the process's working directory.
 *
 * The file is measured once; each request (a retry, a 307/308 redirect) opens it again
 * (engine/upload.ts), and a file whose size changed since fails that request instead of sending a
 * Content-Length that lies.
 */

/** What to say of a `bodyFile` beside `body` or its alias `data`: the field the user wrote. */
function conflict(obj: Record<string, unknown>): string {
  return `give "${obj.body === undefined ? 'data' : 'body'}" or "bodyFile", not both`;
}

/** Whether a target input has a `bodyFile` field (of any value). */
export function hasBodyFile(input: unknown): input is { bodyFile: unknown } {
  return typeof input === 'object' && input !== null && Object.hasOwn(input, 'bodyFile');
}

/**
 * The `bodyFile` of a target object as written, or undefined when it has none.
 * @throws Error naming the field
 */
export function readBodyFile(obj: Record<string, unknown>): string | undefined {
  const { bodyFile } = obj;
  if (bodyFile === undefined) return undefined;
  if (obj.body !== undefined || obj.data !== undefined) throw new Error(conflict(obj));
  if (typeof bodyFile !== 'string') {
    throw new Error(`field "bodyFile" must be a path (a string), got ${describeValue(bodyFile)}`);
  }
  if (bodyFile === '') throw new Error('field "bodyFile" is empty');
  if (bodyFile.includes('\u0000')) throw new Error('field "bodyFile" contains a NUL byte');
  return bodyFile;
}

/** The folder a target's relative `bodyFile` resolves against: its file's, else the working directory. */
export function bodyFileBase(source: SourceLocation | undefined): string {
  return source === undefined ? process.cwd() : dirname(resolve(source.file));
}

/**
 * `target` with the body read from `written` (resolved against `base`) as it is sent, or an
 * invalid target naming the path when the file cannot be opened or is not a regular file.
 * Never rejects.
 */
export async function withBodyFile(target: Target, written: string, base: string): Promise<PreparedTarget> {
  const path = resolve(base, written);
  let size: number;
  try {
    size = await measure(path);
  } catch (err) {
    const invalid: InvalidTarget = {
      index: target.index,
      input: target.input,
      invalid: `field "bodyFile": cannot read ${escapeControls(path)}: ${errnoWords(err)}`,
    };
    if (target.name !== undefined) invalid.name = target.name;
    if (target.source !== undefined) invalid.source = target.source;
    return invalid;
  }
  const body: FileBody = {
    kind: 'file',
    parts: [{ path, strip: false, length: size, written }],
    length: size,
  };
  target.body = body;
  return target;
}

/** The size of the regular file at `path`, opened for reading (so permissions are checked too). */
async function measure(path: string): Promise<number> {
  const file = await open(path, 'r');
  try {
    const info = await file.stat();
    // A FIFO or a device cannot be measured, then read again for each request.
    if (!info.isFile()) throw new Error('not a regular file');
    return info.size;
  } finally {
    await file.close();
  }
}
