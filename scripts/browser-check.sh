#!/usr/bin/env bash
# Opens every HTML report in headless Chromium (Debian's, never a downloaded
# browser): no console or page errors, every chart with a non-zero size, the
# verdict visible; a full-page screenshot is kept next to each report.
set -euo pipefail
bin=${1:-bin/tokenbench}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
fi
out=out/browser
mkdir -p "$out"
# Fresh reports to look at: conformance (clean and defective) and load.
"$bin" conform --out "$out/clean" --label-filter '!slow' >/dev/null
"$bin" conform --out "$out/defective" --label-filter '!slow' --defect code-reusable,no-pragma,client-id-accepted >/dev/null || true
# The SLO gives the report a verdict to show; on a loaded machine it may be
# breached (exit 1), which is a report all the same. Bad input (2) is not.
rc=0
"$bin" load --rate 50 --duration 3s --out "$out/load" --slo "p99<500ms,error_rate<1%" >/dev/null || rc=$?
if ((rc > 1)); then echo "browser-check: the load run exited $rc" >&2; exit "$rc"; fi
(cd scripts/browser-check && { [ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --silent; })
node scripts/browser-check/check.js "$out/clean/conformance.html" "$out/defective/conformance.html" "$out/load/load.html"
echo "screenshots: $out/clean/conformance.png $out/defective/conformance.png $out/load/load.png"
