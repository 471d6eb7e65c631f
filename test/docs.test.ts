/**
 * The documentation as a reader meets it: the README's shape (what it is, Install, examples,
 * output, CI, links, the two contributor commands), links that lead somewhere, every option of
 * `--help` in docs/options.md, and no IP address in examples or docs that would send a copied
 * command off the machine — only loopback and the documentation ranges (RFC 5737, RFC 3849).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from './cli/harness.js';

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path));
    else out.push(path);
  }
  return out;
}

const docPages = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md'));
const markdownFiles = ['README.md', ...docPages.map((f) => join('docs', f))];
/** Everything a user copies commands or addresses from. */
const scanned = [...markdownFiles, ...walk('examples'), 'action.yml'];

/** IP literals that are neither loopback nor reserved for documentation. */
function foreignAddresses(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/(?<![\d.§])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])/g)) {
    const ip = m[0];
    if (!isIPv4(ip)) continue;
    if (/^127\./.test(ip) || /^(192\.0\.2|198\.51\.100|203\.0\.113)\./.test(ip) || ip === '0.0.0.0') continue;
    found.push(ip);
  }
  // IPv6: runs of hex digits and colons with at least two colons, checked by node's parser so
  // times (18:29:50) and ratios do not count.
  for (const m of text.matchAll(/(?<![\w:.])[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7}(?![\w:])/g)) {
    const ip = m[0];
    if (!isIPv6(ip)) continue;
    const lower = ip.toLowerCase();
    if (lower === '::1' || lower === '::' || /^2001:0?db8:/.test(lower)) continue;
    found.push(ip);
  }
  return found;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(markdown: string): Set<string> {
  const set = new Set<string>();
  let inCode = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) inCode = !inCode;
    const h = inCode ? null : /^#{1,6} (.*)$/.exec(line);
    if (h !== null) set.add(slug(h[1]!));
  }
  return set;
}

describe('IP addresses in examples and docs', () => {
  it('finds private and public literals, and lets loopback and documentation ranges through', () => {
    expect(
      foreignAddresses('10.0.0.12 a 192.168.1.1 b 8.8.8.8 c fd00::1 d 2606:4700::1111 e 127.0.0.1 f 192.0.2.10'),
    ).toEqual(['10.0.0.12', '192.168.1.1', '8.8.8.8', 'fd00::1', '2606:4700::1111']);
    expect(
      foreignAddresses('[::1]:8080 2001:db8::5 at 18:29:50, v1.2.3, RFC 9110 §8.4.1.2, 203.0.113.10 198.51.100.7'),
    ).toEqual([]);
  });

  it.each(scanned)('%s has only loopback and documentation addresses', (file) => {
    expect(foreignAddresses(read(file))).toEqual([]);
  });
});

describe('links', () => {
  it.each(markdownFiles)('every relative link in %s leads to a file (and heading) that exists', (file) => {
    const text = read(file);
    const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/.test(l));
    for (const link of links) {
      const [path, anchor] = link.split('#') as [string, string | undefined];
      const target = path === '' ? join(ROOT, file) : join(ROOT, dirname(file), path);
      expect(existsSync(target), `${file}: ${link}`).toBe(true);
      if (anchor !== undefined && statSync(target).isFile() && target.endsWith('.md')) {
        expect([...anchors(readFileSync(target, 'utf8'))], `${file}: ${link}`).toContain(anchor);
      }
    }
  });

  it('the README links every docs/ page', () => {
    const readme = read('README.md');
    for (const page of docPages) expect(readme, page).toContain(`](docs/${page})`);
  });
});

describe('README', () => {
  const readme = read('README.md');
  const sections = [...readme.matchAll(/^## (.*)$/gm)].map((m) => m[1]);

  it('opens with what fetch-many is, then Install, examples, output, CI, the reference and Contributing', () => {
    expect(readme.split('\n')[0]).toBe('# fetch-many');
    expect(sections).toEqual(['Install', 'Examples', 'Output', 'In CI', 'Reference', 'Contributing']);
    // "what it is" stays short: the reference lives in docs/.
    expect(readme.indexOf('## Install')).toBeLessThan(800);
    expect(readme.split('\n').length).toBeLessThan(200);
  });

  it('Install names the Node LTS lines and every way in: registry, dev dependency, tarball, git', () => {
    const install = readme.slice(readme.indexOf('## Install'), readme.indexOf('## Examples'));
    expect(install).toMatch(/Node\.js \*\*>= 20\*\*/);
    expect(install).toContain('npm install -g fetch-many');
    expect(install).toContain('npm install --save-dev fetch-many');
    expect(install).toMatch(/npx --package \.\/fetch-many-\d+\.\d+\.\d+\.tgz fetch-many/);
    expect(install).toMatch(/npm install -g git\+https:\/\//);
    const { version } = JSON.parse(read('package.json')) as { version: string };
    expect(install).toContain(`fetch-many-${version}.tgz`);
  });

  it('shows the table as text, and points at the JSON Schema', () => {
    expect(readme).toMatch(/```text\n.*#.*target.*status.*\n(?:.*\n)+?\d+ targets: /);
    expect(readme).toContain('](schema/targets.schema.json)');
    expect(read('docs/targets.md')).toContain('"$schema"');
  });

  it('Contributing has exactly two commands, the demo and the tests, and both scripts exist', () => {
    const section = readme.slice(readme.indexOf('## Contributing'));
    const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
    const commands = block
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => l.replace(/\s+#.*$/, '').trim());
    expect(commands).toEqual(['npm install && npm run demo', 'npm test']);
    const { scripts } = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(scripts.demo).toBeDefined();
    expect(scripts.test).toMatch(/npm run build/);
  });
});

describe('docs/options.md', () => {
  it('documents every long option that --help all lists', () => {
    const help = execFileSync('node', [BIN, '--help', 'all'], { encoding: 'utf8' });
    const options = new Set([...help.matchAll(/^ {2}(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]!));
    expect(options.size).toBeGreaterThan(20);
    const page = read('docs/options.md');
    const missing = [...options].filter((o) => !page.includes(`\`${o}`) && !page.includes(` ${o}`));
    expect(missing, `add a row for each to ${relative(ROOT, join(ROOT, 'docs', 'options.md'))}`).toEqual([]);
  });
});
