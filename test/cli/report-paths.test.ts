/**
 * Issue 12, item 2: `--junit` never replaces what is at the path with something else. A regular
 * file (or a new path) is replaced atomically; a symlink stays a symlink and its target gets the
 * report; a FIFO and a character device are written into. Character devices are tested only
 * through descriptors this test owns: a pseudo-terminal from `script`, and a child's stdout pipe
 * reached as /dev/stdout — never a real device node under /dev.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { chmod, lstat, mkdir, readdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type TestServer } from '../helpers/servers.js';
import { childrenNamed, parseXml } from '../report/xml-reader.js';
import { runCli, runOnTty, tempDir } from './harness.js';

let server: TestServer;
let tmp: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  server = await startHttpServer();
  tmp = await tempDir();
});
afterAll(async () => {
  await server.close();
  await tmp.cleanup();
});

/** The testcase names of a JUnit document. */
function caseNames(xml: string): string[] {
  const root = parseXml(xml);
  const [suite] = childrenNamed(root, 'testsuite');
  if (suite === undefined) throw new Error('no testsuite');
  return childrenNamed(suite, 'testcase').map((c) => c.attrs.name ?? '');
}

describe('--junit destinations', () => {
  it('a regular file is replaced whole, keeps its permission bits, and no temp file is left', async () => {
    const dir = join(tmp.dir, 'regular');
    await mkdir(dir);
    const path = join(dir, 'report.xml');
    await writeFile(path, 'old report');
    await chmod(path, 0o640);
    const run = await runCli(['--quiet', '--junit', path, `${server.url}/ok`]);
    expect(run.code, run.stderr).toBe(0);
    expect(caseNames(await readFile(path, 'utf8'))).toEqual([`GET ${server.url}/ok`]);
    expect((await stat(path)).mode & 0o777).toBe(0o640);
    expect(await readdir(dir)).toEqual(['report.xml']);
  });

  it('a symlink stays a symlink; its target, in another folder, gets the report', async () => {
    const kept = join(tmp.dir, 'kept');
    const links = join(tmp.dir, 'links');
    await mkdir(kept);
    await mkdir(links);
    await writeFile(join(kept, 'smoke.xml'), 'previous');
    const link = join(links, 'latest.xml');
    await symlink('../kept/smoke.xml', link);
    const run = await runCli(['--quiet', '--junit', link, `${server.url}/ok?via=link`]);
    expect(run.code, run.stderr).toBe(0);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe('../kept/smoke.xml');
    expect(caseNames(await readFile(join(kept, 'smoke.xml'), 'utf8'))).toEqual([`GET ${server.url}/ok?via=link`]);
    expect(await readdir(kept)).toEqual(['smoke.xml']);
    expect(await readdir(links)).toEqual(['latest.xml']);
  });

  it('a dangling symlink stays a link, and the file it names is created', async () => {
    const dir = join(tmp.dir, 'dangling');
    await mkdir(dir);
    const link = join(dir, 'link.xml');
    await symlink('made.xml', link);
    const run = await runCli(['--quiet', '--junit', link, `${server.url}/ok?via=dangling`]);
    expect(run.code, run.stderr).toBe(0);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(caseNames(await readFile(join(dir, 'made.xml'), 'utf8'))).toHaveLength(1);
  });

  it('a FIFO is written into: its reader gets the report, and it is still a FIFO', async () => {
    const fifo = join(tmp.dir, 'report.fifo');
    execFileSync('mkfifo', [fifo]);
    const chunks: Buffer[] = [];
    const reader = createReadStream(fifo);
    reader.on('data', (c) => chunks.push(c as Buffer));
    const read = new Promise<void>((resolve, reject) => {
      reader.once('end', () => resolve());
      reader.once('error', reject);
    });
    const run = await runCli(['--quiet', '--junit', fifo, `${server.url}/ok?via=fifo`, `${server.url}/status/500`]);
    await read;
    expect(run.code, run.stderr).toBe(1);
    expect(caseNames(Buffer.concat(chunks).toString('utf8'))).toEqual([
      `GET ${server.url}/ok?via=fifo`,
      `GET ${server.url}/status/500`,
    ]);
    expect((await lstat(fifo)).isFIFO()).toBe(true);
  });

  it('/dev/stdout when stdout is a socket pair (a spawned child): the report arrives through it', async () => {
    const run = await runCli(['--quiet', '--junit', '/dev/stdout', `${server.url}/ok?via=pipe`]);
    expect(run.code, run.stderr).toBe(0);
    expect(caseNames(run.stdout)).toEqual([`GET ${server.url}/ok?via=pipe`]);
  });

  it('/dev/stdout when stdout is a terminal (a character device: our own pty): written to it', async () => {
    const run = await runOnTty(['--quiet', '--junit', '/dev/stdout', `${server.url}/ok?via=pty`]);
    expect(run.code, run.output).toBe(0);
    const xml = run.output.replace(/\r\n/g, '\n');
    expect(caseNames(xml.slice(xml.indexOf('<?xml')))).toEqual([`GET ${server.url}/ok?via=pty`]);
  });

  it('a directory is a usage error before any request', async () => {
    const before = server.received.length;
    const run = await runCli(['--junit', tmp.dir, `${server.url}/ok`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/is a directory/);
    expect(server.received.length).toBe(before);
  });
});
