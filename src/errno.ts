/**
 * A file-system error in a few words, once: `no such file`, `no space left on device (ENOSPC)`.
 * Node's own message repeats the code and names the call (`ENOSPC: no space left on device,
 * write`), which read as `ENOSPC: ENOSPC: …` once a caller put the code in front again.
 */
const WORDS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  ENOTDIR: 'no such file',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EFBIG: 'file too large',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'name too long',
  EPIPE: 'the reader went away',
  ECONNRESET: 'connection reset',
};

/**
 * `err` in words. `own` gives a caller's own wording for codes whose general one would mislead
 * in its context (saving a body: ELOOP means a symlink was refused); those always show the code.
 */
export function errnoWords(err: unknown, own?: Readonly<Record<string, string>>): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const mine = code === undefined || own === undefined || !Object.hasOwn(own, code) ? undefined : own[code];
  if (mine !== undefined) return `${mine} (${code})`;
  const known = code === undefined ? undefined : WORDS[code];
  if (known !== undefined)
    return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR' ? known : `${known} (${code})`;
  const message = err instanceof Error ? err.message : String(err);
  // `CODE: description, syscall 'path'` → `description (CODE)`.
  const m = /^([A-Z][A-Z0-9_]+): (.*?)(?:, [a-z_]+(?: '.*')?)?$/s.exec(message);
  const words = (m === null ? message : m[2]!).replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  const shownCode = code ?? m?.[1];
  return shownCode === undefined || words.includes(shownCode) ? words : `${words} (${shownCode})`;
}
