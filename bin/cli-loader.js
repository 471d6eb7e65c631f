// Loads the bundled CLI (dist/fetch-many.bundle.cjs) through a V8 code cache (issue 24).
//
// Compiling the 1 MB bundle is most of what fetch-many adds to node's own start: V8 parses it
// top to bottom, then compiles each function on its first call. `vm.Script` with `cachedData`
// skips both for everything the cache holds; the cache is made after a run, so it holds the
// functions that run compiled too, and made again after later runs that compiled more
// (bench/PROFILE.md, issue 24: −25 ms CPU for 10 targets, −23 ms for 10,000, on Node 20; Node
// 22.1+'s own `module.enableCompileCache()` caches only what was compiled at load, and does not
// exist on Node 20).
//
// Where: NODE_COMPILE_CACHE when set (node's own variable: the user chose the place), else a
// directory of our own in the temp dir, `fetch-many-compile-cache-<uid>`, used only when it is a
// real directory that this user owns and nobody else can write to — a code cache is code, and a
// shared temp dir lets another user create the directory first (node's default,
// `<tmp>/node-compile-cache`, is not checked that way). NODE_DISABLE_COMPILE_CACHE=1 (node's
// own opt-out) turns it off: nothing read, nothing written. Any failure only means no cache.
import {
  closeSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** The last line of the bundle, written by scripts/bundle.mjs: a hash of everything above it. */
const BUILD_MARK = '\n//# fetch-many-build=';

/** The directory the cache lives in, or null: disabled, or not safely ours. */
function cacheDir() {
  const env = process.env;
  if (env.NODE_DISABLE_COMPILE_CACHE === '1') return null;
  if (env.NODE_COMPILE_CACHE) {
    mkdirSync(env.NODE_COMPILE_CACHE, { recursive: true });
    return env.NODE_COMPILE_CACHE;
  }
  const uid = process.getuid?.();
  const dir = join(tmpdir(), `fetch-many-compile-cache-${uid ?? 'user'}`);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if (error?.code !== 'EEXIST') throw error;
  }
  const stat = lstatSync(dir);
  if (!stat.isDirectory()) return null;
  // Windows has no uids; its temp dir is the user's own.
  if (uid !== undefined && (stat.uid !== uid || (stat.mode & 0o077) !== 0)) return null;
  return dir;
}

/** Where this bundle's cache is for this node, or null. V8 itself rejects a cache of another V8 or other flags. */
function cacheFile(source) {
  try {
    const at = source.lastIndexOf(BUILD_MARK);
    if (at === -1) return null;
    const build = source.slice(at + BUILD_MARK.length).trim();
    if (!/^[0-9a-f]{16,64}$/.test(build)) return null;
    const dir = cacheDir();
    return dir === null ? null : join(dir, `fetch-many-${build}-${process.version}-${process.arch}.v8cache`);
  } catch {
    return null;
  }
}

function readCache(file) {
  try {
    return file === null ? undefined : readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Caches of other builds and node versions kept beside the newest ones, at most (about 0.7 MB each). */
const KEEP = 8;

/** Removes the oldest of our cache files beyond {@link KEEP}; other files in the directory are not ours. */
function prune(dir) {
  const ours = readdirSync(dir)
    .filter((name) => name.startsWith('fetch-many-') && name.endsWith('.v8cache'))
    .map((name) => ({ path: join(dir, name), mtime: statSync(join(dir, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const old of ours.slice(KEEP)) unlinkSync(old.path);
}

/** Written whole under a temporary name, then renamed: a concurrent run reads all of it or none. */
function writeCache(file, data) {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    const fd = openSync(temp, 'wx', 0o600);
    try {
      writeSync(fd, data);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
    prune(dirname(file));
  } catch {
    // A read-only or full disk: no cache, the run is not affected.
  }
}

/**
 * Compiles and runs the bundle (CommonJS) at `path`; gives its exports and `saveCache`, to call
 * once the run is over (it writes the cache when none was used, or when this run's is bigger).
 */
export function loadCli(path) {
  const source = readFileSync(path, 'utf8');
  const file = cacheFile(source);
  const cachedData = readCache(file);
  // The CommonJS wrapper node itself uses; the bundle has no top-level await.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: path,
    ...(cachedData === undefined ? {} : { cachedData }),
  });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(path), module, path, dirname(path));
  // V8 caches what is compiled when the cache is made: the functions loaded from a cache and those
  // this run compiled. A cache made by a run that ran little (a usage error, `--help`) held too
  // little to help (10 targets: 131.7 ms CPU with such a cache, 131.0 without); so after every run the
  // cache is made again (about 5 ms), and written when it grew by more than 5 %.
  const saveCache = () => {
    if (file === null) return;
    const data = script.createCachedData();
    const used = cachedData !== undefined && script.cachedDataRejected !== true;
    if (!used || data.length > cachedData.length * 1.05) writeCache(file, data);
  };
  return { ...module.exports, saveCache };
}
