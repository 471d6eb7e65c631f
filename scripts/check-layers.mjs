#!/usr/bin/env node
// The folder order of src/, checked: every import from one top-level part of src/ into another
// must point down the table below (docs/contributing.md, "Where things go", shows the same table
// for people). dpdm (`npm run cycles`) catches file cycles; this catches the slower rot, a folder
// that starts leaning on one above it, which dpdm only sees once it has closed into a cycle.
//
// Usage: node scripts/check-layers.mjs [--root DIR]   (DIR defaults to this repository's src/)
// Exit 0 when every import follows the table; 1 with one line per violation, naming the rule.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * The parts of src/, top first. A part may import itself, the parts it lists in `may`, and the
 * leaf modules (LEAVES). A top-level folder or file that is in neither table fails the check, so a
 * new part is placed on purpose, not by accident.
 */
export const LAYERS = [
  { part: 'action', may: ['cli', 'report'] },
  { part: 'cli', may: ['demo', 'history', 'inputs', 'merge', 'report', 'config', 'engine', 'targets', 'expect'] },
  { part: 'index', may: ['config', 'engine', 'targets', 'merge', 'report', 'expect'] },
  { part: 'demo', may: [] },
  { part: 'history', may: ['merge', 'report', 'targets'] },
  { part: 'inputs', may: ['engine', 'config', 'targets'] },
  { part: 'merge', may: ['report', 'targets'] },
  { part: 'report', may: [] },
  { part: 'engine', may: ['config', 'targets', 'expect'] },
  { part: 'config', may: ['targets', 'expect'] },
  { part: 'targets', may: ['expect'] },
  { part: 'expect', may: [] },
];

/** Files at the top of src/ that hold shared vocabulary: anyone may import them; they import only each other. */
export const LEAVES = ['types', 'errors', 'errno', 'controls', 'version', 'describe', 'duration', 'header'];

/** The part a path under `root` belongs to: its first folder, or its file name without `.ts`. */
function partOf(root, file) {
  const first = path.relative(root, file).split(path.sep)[0];
  return first.replace(/\.(ts|js)$/, '');
}

function listTs(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return listTs(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

/**
 * Every violation under `root`, as `{ file, target, rule }`. Imports are read with TypeScript's
 * own pre-processor (static, type-only, re-exports and `import()` with a literal), not a regex.
 */
export function checkLayers(root) {
  const rows = new Map(LAYERS.map((l) => [l.part, new Set(l.may)]));
  const violations = [];
  const unplaced = new Set();
  for (const file of listTs(root)) {
    const from = partOf(root, file);
    const leaf = LEAVES.includes(from);
    if (!leaf && !rows.has(from)) unplaced.add(from);
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of info.importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const resolved = path.resolve(path.dirname(file), fileName);
      if (!resolved.startsWith(root + path.sep)) continue;
      const to = partOf(root, resolved);
      if (to === from) continue;
      if (LEAVES.includes(to)) continue;
      const rel = path.relative(path.dirname(root), file);
      if (leaf) {
        violations.push({ file: rel, target: fileName, rule: `leaf '${from}' imports only other leaves, not '${to}'` });
      } else if (rows.has(from) && !rows.get(from).has(to)) {
        violations.push({ file: rel, target: fileName, rule: `'${from}' may not import '${to}'` });
      }
    }
  }
  for (const part of unplaced) {
    violations.push({
      file: `src/${part}`,
      target: '',
      rule: `'${part}' has no row in the layer table (scripts/check-layers.mjs)`,
    });
  }
  return violations;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--root');
  const root = path.resolve(
    at > 0 ? (process.argv[at + 1] ?? '') : path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src'),
  );
  const violations = checkLayers(root);
  for (const v of violations) {
    console.error(`layers: ${v.file}${v.target ? ` imports ${v.target}` : ''}: ${v.rule}`);
  }
  if (violations.length > 0) {
    console.error(`layers: ${violations.length} violation(s); the table is in docs/contributing.md`);
    process.exit(1);
  }
  console.log('layers: every import follows the folder order');
}
