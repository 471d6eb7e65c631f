#!/usr/bin/env bash
# Targets from another program, streamed: requests start before the list ends, and memory stays
# bounded however long it is. Failed targets go to a file for a second look.
set -euo pipefail

# e.g. every URL in a sitemap (any command that prints one URL per line will do)
grep -o '<loc>[^<]*</loc>' sitemap.xml | sed -e 's/<loc>//' -e 's/<\/loc>//' \
  | npx fetch-many --ndjson -c 100 --timeout 10s \
  | tee results.ndjson \
  | node -e '
      const rl = require("node:readline").createInterface({ input: process.stdin });
      rl.on("line", (l) => { const r = JSON.parse(l); if (!r.ok) console.log(r.url, r.status ?? r.error.code); });
    ' > failed.txt || true

echo "$(wc -l < failed.txt) failed target(s), see failed.txt"
