#!/usr/bin/env node
// The package.json that goes into the tarball has no `prepare` script (issue 23).
//
// `prepare` is how a git install builds (dist/ is not in git: npm installs the clone's dev
// dependencies and runs it), so it stays in the repository. But npm 11 counts a `prepare` in a
// tarball or other non-registry package as an install script to review, and warns on every
// `npm install ./fetch-many-x.y.z.tgz` ("1 package has install scripts not yet covered by
// allowScripts"), although it never runs it there and the tarball holds the built dist/.
//
//   node scripts/pack-manifest.mjs strip    (prepack, after the build) keeps package.json as it is
//                                           in .package.json.prepack and removes scripts.prepare
//   node scripts/pack-manifest.mjs restore  (postpack) puts the kept file back, byte for byte
//
// Each write is a rename of a whole file, so a reader never sees half a package.json. A pack that
// fails between the two leaves .package.json.prepack behind: `restore` (or git checkout) mends it.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = join(root, 'package.json');
const kept = join(root, '.package.json.prepack');

const command = process.argv[2];
if (command === 'strip') {
  if (existsSync(kept)) {
    console.error('pack-manifest: .package.json.prepack exists (an earlier pack failed?): run restore first');
    process.exit(1);
  }
  const text = readFileSync(manifest, 'utf8');
  const pkg = JSON.parse(text);
  if (pkg.scripts?.prepare !== undefined) {
    delete pkg.scripts.prepare;
    writeFileSync(kept, text);
    writeFileSync(`${manifest}.tmp`, `${JSON.stringify(pkg, null, 2)}\n`);
    renameSync(`${manifest}.tmp`, manifest);
  }
} else if (command === 'restore') {
  if (existsSync(kept)) renameSync(kept, manifest);
} else {
  console.error('usage: node scripts/pack-manifest.mjs strip|restore');
  process.exit(2);
}
