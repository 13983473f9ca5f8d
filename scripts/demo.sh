#!/usr/bin/env bash
# make demo: the main job against the embedded reference provider, on loopback.
set -euo pipefail
bin=${1:-bin/tokenbench}
out=${OUT:-out}
mkdir -p "$out"

echo "== $("$bin" version)"
echo
echo "== target check: one code, one exchange, validated (embedded reference provider)"
"$bin" target check >"$out/target-check.txt"
tail -n 2 "$out/target-check.txt"
echo
echo "== conform: every row of the bankid profile against the embedded reference provider"
"$bin" conform --out "$out"
echo
echo "== conform against a provider with three defects switched on (the suite must catch them)"
mkdir -p "$out/defective"
set +e
"$bin" conform --defect code-reusable,no-pragma,client-id-accepted --label-filter '!slow' --out "$out/defective" >"$out/defective.txt" 2>&1
status=$?
set -e
grep -E '^(verdict|rows|  FAIL|  WARNING)' "$out/defective.txt" || true
if [ "$status" -ne 1 ]; then echo "expected exit 1 from the defective run, got $status"; exit 1; fi
echo
echo "== private_key_jwt: target check and the client authentication rows, each request with a fresh signed assertion"
"$bin" target check --auth-method private_key_jwt >"$out/target-check-jwt.txt"
grep -E '^(client|verdict) ' "$out/target-check-jwt.txt"
mkdir -p "$out/private_key_jwt"
"$bin" conform --auth-method private_key_jwt --label-filter 'area:auth' --out "$out/private_key_jwt" >"$out/private_key_jwt.txt"
grep -E '^(verdict|rows)' "$out/private_key_jwt.txt"
echo
echo "== refresh tokens and client credentials: the reference provider serving both grants, one refresh chain in the report"
mkdir -p "$out/grants"
"$bin" conform --provider-grants refresh_token,client_credentials --refresh-ttl 10s --profile examples/reference-grants.yaml \
  --label-filter 'area:refresh || area:client_credentials || TE:DISC-GRANTS' --out "$out/grants" >"$out/grants.txt"
grep -E '^(verdict|rows)' "$out/grants.txt"
node -e '
const rows = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).rows;
const chain = rows.find(r => r.id === "RT-REUSE-REVOKES-FAMILY");
console.log(`RT-REUSE-REVOKES-FAMILY (${chain.status}), its chain, every token redacted:`);
for (const x of chain.exchanges || []) console.log(`  ${(x.probe || "").padEnd(60)} ${x.status}`);
' "$out/grants/conformance.json"
echo
echo "== load: 5 s at 50 exchanges/s against the embedded provider, every response validated"
"$bin" load --rate 50 --duration 5s --out "$out" --slo "p99<500ms,error_rate<1%"
echo
echo "Reports:"
echo "  $out/conformance.html   (open in a browser)"
echo "  $out/conformance.md  $out/conformance.junit.xml  $out/conformance.json"
echo "  $out/defective/conformance.html   (the defective provider: failures with their evidence)"
echo "  $out/private_key_jwt/conformance.html   (the client authentication rows with private_key_jwt)"
echo "  $out/grants/conformance.html   (the refresh token and client credentials rows, each chain as evidence)"
echo "  $out/load.html   (the load run: verdict, charts, stages; load.json, load.hlog and load.md beside it)"
