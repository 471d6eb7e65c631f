#!/usr/bin/env node
// Commit messages read like a log (docs/contributing.md, "Commits"): a subject of at most 72
// characters in `area: what changed` form, then a blank line and a body that says why (a missing body
// is noted, not failed). Checked
// over every commit since the rule began (BASE), so history before it stays as it was written.
//
// Usage: node scripts/check-commits.mjs [REV-RANGE]   (default BASE..HEAD)
// Exit 0 when every subject follows the rule; 1 with one line per commit that does not.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The last commit before the rule; everything after it is checked. */
const BASE = 'c086cad';
const MAX_SUBJECT = 72;
/** `area: what`, the area a word or path (several joined by `, ` allowed): `h2, hpack: …`. */
const SUBJECT_FORM = /^[A-Za-z0-9][\w./+-]*(?:, ?[\w./+-]+)*: \S/;

/** The problems of one commit message, each a short phrase; [] when it follows the rule. */
export function messageProblems(message, { merge = false } = {}) {
  const [subject = '', second] = message.replace(/\n+$/, '').split('\n');
  const problems = [];
  if (subject.length > MAX_SUBJECT) problems.push(`subject is ${subject.length} characters (at most ${MAX_SUBJECT})`);
  if (!merge && !SUBJECT_FORM.test(subject)) problems.push("subject is not in 'area: what changed' form");
  if (second !== undefined && second !== '') problems.push('no blank line after the subject');
  return problems;
}

/** Whether a (non-merge) message has a body; its lack is reported, not failed: a one-line fix-up can say all. */
export function hasBody(message) {
  const [, ...rest] = message.replace(/\n+$/, '').split('\n');
  return rest.join('').trim() !== '';
}

function git(args) {
  return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let range = process.argv[2];
  if (!range) {
    try {
      git(['cat-file', '-e', `${BASE}^{commit}`]);
      range = `${BASE}..HEAD`;
    } catch {
      // A shallow clone without the base: check what it has.
      range = 'HEAD';
    }
  }
  const out = git(['log', '--format=%H%x00%P%x00%B%x01', range]);
  let bad = 0;
  let seen = 0;
  for (const record of out.split('\x01')) {
    const [hash, parents, message] = record.replace(/^\n/, '').split('\x00');
    if (!hash || message === undefined) continue;
    seen++;
    const merge = parents.trim().includes(' ');
    const problems = messageProblems(message, { merge });
    if (!merge && !hasBody(message)) console.log(`commits: note: ${hash.slice(0, 10)} has no body saying why`);
    if (problems.length > 0) {
      bad++;
      console.error(`commits: ${hash.slice(0, 10)} "${message.split('\n')[0].slice(0, 80)}": ${problems.join('; ')}`);
    }
  }
  if (bad > 0) {
    console.error(`commits: ${bad} of ${seen} commit(s) in ${range} break the message rule (docs/contributing.md)`);
    process.exit(1);
  }
  console.log(`commits: ${seen} commit(s) in ${range} follow the message rule`);
}
