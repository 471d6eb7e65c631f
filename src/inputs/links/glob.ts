/**
 * `--links-glob`: which files of a directory are read. `*` and `?` within a name, `**` for any
 * number of directories, `{a,b}` for alternatives; a pattern without `/` is matched against the
 * file's name, one with `/` against its path relative to the directory given. Matched without
 * regular expressions: a name is compared with a pattern by the usual two-pointer walk that
 * remembers the last `*` (at most length × length steps, for names of a few hundred characters).
 */
export function globMatcher(glob: string): (relative: string) => boolean {
  const patterns = expandBraces(glob);
  return (relative) => {
    const path = relative.split('\\').join('/');
    const name = path.slice(path.lastIndexOf('/') + 1);
    return patterns.some((p) => (p.includes('/') ? matchPath(p.split('/'), path.split('/')) : matchName(p, name)));
  };
}

/** `*.{md,html}` → `*.md`, `*.html` (one level of braces, at most 64 alternatives). */
function expandBraces(glob: string): string[] {
  const open = glob.indexOf('{');
  const close = open === -1 ? -1 : glob.indexOf('}', open);
  if (open === -1 || close === -1) return [glob];
  const head = glob.slice(0, open);
  const tail = glob.slice(close + 1);
  return glob
    .slice(open + 1, close)
    .split(',')
    .slice(0, 64)
    .flatMap((alt) => expandBraces(head + alt + tail));
}

function matchPath(pattern: string[], path: string[], p = 0, s = 0): boolean {
  for (; p < pattern.length; p++, s++) {
    const part = pattern[p]!;
    if (part === '**') {
      for (let skip = s; skip <= path.length; skip++) if (matchPath(pattern, path, p + 1, skip)) return true;
      return false;
    }
    if (s >= path.length || !matchName(part, path[s]!)) return false;
  }
  return s === path.length;
}

function matchName(pattern: string, name: string): boolean {
  let p = 0;
  let n = 0;
  let star = -1;
  let mark = 0;
  while (n < name.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === name[n])) {
      p++;
      n++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = n;
    } else if (star !== -1) {
      p = star + 1;
      n = ++mark;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
