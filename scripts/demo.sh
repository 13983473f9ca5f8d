#!/usr/bin/env bash
# make demo: the main job against the embedded reference provider, on loopback.
set -euo pipefail
bin=${1:-bin/tokenbench}
out=${OUT:-out}
mkdir -p "$out"

echo "== tokenbench $("$bin" version)"
echo
echo "== Profiles shipped"
"$bin" profiles list
echo
echo "== target check against the embedded reference provider (no target file)"
"$bin" target check | tee "$out/target-check.txt"
echo
echo "Done. Output in $out/"
