#!/usr/bin/env bash
# Targets from another program, streamed: requests start before the list ends, and memory stays
# bounded however long it is. Failed targets go to a file for a second look.
#
# Runs as written in a clone against the demo (`npx fetch-many demo --serve` in another terminal):
#   bash examples/pipeline.sh [output-dir]
# It reads every URL of examples/sitemap.xml (any command that prints one URL per line will do)
# and writes results.ndjson and failed.txt to output-dir (default: the current directory).
set -euo pipefail
out="${1:-.}"
sitemap="$(dirname "$0")/sitemap.xml"

grep -o '<loc>[^<]*</loc>' "$sitemap" | sed -e 's/<loc>//' -e 's/<\/loc>//' \
  | npx fetch-many --ndjson -c 100 --timeout 10s \
  | tee "$out/results.ndjson" \
  | node -e '
      const rl = require("node:readline").createInterface({ input: process.stdin });
      rl.on("line", (l) => { const r = JSON.parse(l); if (!r.ok) console.log(r.url, r.status ?? r.error.code); });
    ' > "$out/failed.txt" || true

echo "$(wc -l < "$out/failed.txt") failed target(s), see $out/failed.txt"
