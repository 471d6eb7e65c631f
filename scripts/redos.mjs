// `npm run redos [files or folders…]` (default: src/): every regular expression literal, and every
// `new RegExp(…)`/`RegExp(…)` whose pattern is a string literal, is checked for super-linear
// backtracking with scslre (the analysis behind eslint-plugin-regexp's
// no-super-linear-backtracking and no-super-linear-move). Any finding fails with the file, line,
// the regex and an attack string's shape (issue 22: one such regex over a target's body hung runs
// for hours). A `RegExp` built from a non-literal pattern cannot be checked here: it fails too,
// unless the line before says `// redos: <why this pattern is safe>` (a user's pattern, say,
// which runs on a linear-time engine instead).
//
// Both kinds of report count: "Trade"/"Self" (backtracking between quantifiers) and "Move" (a
// search tried at each start position, like /\s+$/ on a long run of spaces). Exit 0 when clean,
// 1 with findings, 2 on a bad argument.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { RegExpParser } from '@eslint-community/regexpp';
import { analyse } from 'scslre';
import ts from 'typescript';

const roots = process.argv.slice(2);
if (roots.length === 0) roots.push('src');

function files(path) {
  let st;
  try {
    st = statSync(path);
  } catch {
    console.error(`redos: ${path}: no such file or folder`);
    process.exit(2);
  }
  if (st.isFile()) return [path];
  return readdirSync(path, { withFileTypes: true }).flatMap((e) => {
    const p = join(path, e.name);
    if (e.isDirectory()) return files(p);
    return /\.[cm]?[jt]sx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

const parser = new RegExpParser({ ecmaVersion: 2025 });

/** Every regex of one file: `{ line, source, flags }`, or `{ line, dynamic: text }`. */
function regexesOf(file) {
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found = [];
  const lineOf = (node) => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
  const isLiteral = (n) => n !== undefined && (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n));
  const visit = (node) => {
    if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
      const lit = node.getText(sf);
      const end = lit.lastIndexOf('/');
      found.push({ line: lineOf(node), source: lit.slice(1, end), flags: lit.slice(end + 1) });
    } else if (
      (ts.isNewExpression(node) || ts.isCallExpression(node)) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'RegExp'
    ) {
      const [pattern, flags] = node.arguments ?? [];
      if (isLiteral(pattern) && (flags === undefined || isLiteral(flags))) {
        found.push({ line: lineOf(node), source: pattern.text, flags: flags?.text ?? '' });
      } else {
        const line = lineOf(node);
        const before = text.split('\n')[line - 2] ?? '';
        if (!/^\s*\/\/ redos: \S/.test(before)) found.push({ line, dynamic: node.getText(sf) });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

let checked = 0;
const findings = [];
for (const file of roots.flatMap(files)) {
  for (const re of regexesOf(file)) {
    const where = `${relative(process.cwd(), file)}:${re.line}`;
    if (re.dynamic !== undefined) {
      findings.push(
        `${where}: ${re.dynamic}: a pattern that is not a literal cannot be checked (say why it is safe in a "// redos:" comment on the line before)`,
      );
      continue;
    }
    checked++;
    let parsed;
    try {
      parsed = parser.parseLiteral(`/${re.source}/${re.flags}`);
    } catch (err) {
      findings.push(`${where}: /${re.source}/${re.flags}: not parsed: ${err.message}`);
      continue;
    }
    for (const report of analyse(parsed, { maxReports: 1 }).reports) {
      const kind = report.exponential ? 'exponential' : 'polynomial';
      const how = report.type === 'Move' ? 'tried at each position of' : 'backtracking on';
      findings.push(
        `${where}: /${re.source}/${re.flags} is super-linear (${kind}, ${report.type}): ${how} a long run of ${JSON.stringify(report.character.pick)}`,
      );
    }
  }
}

for (const f of findings) console.log(f);
console.log(`redos: ${checked} regexes checked, ${findings.length} finding${findings.length === 1 ? '' : 's'}`);
process.exit(findings.length === 0 ? 0 : 1);
