#!/usr/bin/env bash
# make bench: tokenbench side by side with vegeta and wrk, in one run, on this
# machine, against `tokenbench serve --fast` (a provider that answers any code
# with one pre-signed response) on loopback. Prints a Markdown report and
# writes it to out/bench.md. Every load here is bounded in time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cache=$root/.cache
mkdir -p "$cache/bin" out/bench
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

echo "== tools" >&2
[ -x "$cache/bin/vegeta" ] || GOBIN=$cache/bin go install github.com/tsenart/vegeta/v12@v12.13.0
if ! command -v wrk >/dev/null; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; fi
go build -o bin/tokenbench ./cmd/tokenbench
tb=$root/bin/tokenbench
vegeta=$cache/bin/vegeta
export TOKENBENCH_CLIENT_SECRET=tokenbench-secret

# serve ARGS...: start a provider, set $url and $target
serve() {
  "$tb" serve --fast --write-target "$work/target.yaml" "$@" >"$work/serve.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 200); do grep -q '^target ' "$work/serve.log" && break; sleep 0.05; done
  url=$(sed -n 's/^listening //p' "$work/serve.log")
  target=$work/target.yaml
  [ -n "$url" ] || { cat "$work/serve.log"; exit 1; }
}
stop_serve() { kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true; unset 'pids[-1]'; }

body="grant_type=authorization_code&code=bench&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcallback"
auth="Basic $(printf 'tokenbench:tokenbench-secret' | base64)"
printf '%s' "$body" >"$work/body"
vtargets() {
  printf 'POST %s/oauth/token\nAuthorization: %s\nContent-Type: application/x-www-form-urlencoded\n@%s\n' "$1" "$auth" "$work/body" >"$work/targets"
}
cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = "$body"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "$auth"
LUA

j() { python3 - "$@"; } 2>/dev/null || true
field() { # field FILE EXPR: a value from a JSON file, with node (always on the machine)
  node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1]));console.log(eval(process.argv[2]))' "$1" "$2"
}
tbload() { # tbload NAME ARGS...: a tokenbench load run into out/bench/NAME
  local name=$1; shift
  "$tb" load --target "$target" --static-code bench --out "out/bench/$name" "$@" >"out/bench/$name.txt" 2>&1 || true
}

report=out/bench.md
{
echo "# tokenbench benchmarks"
echo
echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(go version | cut -d' ' -f3), vegeta v12.13.0, $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)."
echo "Provider: \`tokenbench serve --fast\` on 127.0.0.1 (one pre-signed response for any code), a separate process."
echo
} >"$report"

echo "== throughput: closed model, 16 workers, 10 s" >&2
serve
vtargets "$url"
tbload closed-none --concurrency 16 --duration 10s --validate none
tbload closed-all --concurrency 16 --duration 10s --validate all
"$vegeta" attack -targets="$work/targets" -rate=0 -max-workers=16 -workers=16 -duration=10s >"$work/vegeta.bin"
"$vegeta" report -type=json <"$work/vegeta.bin" >out/bench/vegeta-closed.json
wrk --latency -t2 -c16 -d10s -s "$work/post.lua" "$url/oauth/token" >out/bench/wrk.txt 2>&1
stop_serve
{
echo "## Throughput (closed model, 16 workers, 10 s)"
echo
echo "| tool | requests/s | p50 ms | p99 ms | errors |"
echo "|---|---:|---:|---:|---:|"
for n in closed-none closed-all; do
  f=out/bench/$n/load.json
  echo "| tokenbench \`--validate ${n#closed-}\` | $(field "$f" 'd.summary.throughput_rps.toFixed(0)') | $(field "$f" 'd.summary.latency_ms.p50.toFixed(2)') | $(field "$f" 'd.summary.latency_ms.p99.toFixed(2)') | $(field "$f" 'd.summary.errors') |"
done
f=out/bench/vegeta-closed.json
echo "| vegeta (same POST) | $(field "$f" 'd.throughput.toFixed(0)') | $(field "$f" '(d.latencies["50th"]/1e6).toFixed(2)') | $(field "$f" '(d.latencies["99th"]/1e6).toFixed(2)') | $(field "$f" 'd.requests-Math.round(d.success*d.requests)') |"
echo "| wrk (ceiling, no validation, no result handling) | $(sed -n 's/^Requests\/sec: *//p' out/bench/wrk.txt | cut -d. -f1) | $(awk '$1=="50%"{print $2}' out/bench/wrk.txt) | $(awk '$1=="99%"{print $2}' out/bench/wrk.txt) | |"
echo
} >>"$report"

echo "== client authentication: closed model, 16 workers, 10 s: Basic, private_key_jwt RS256 and ES256" >&2
# The fast provider answers any POST: what differs between the runs is the
# harness's own work per request, a fresh signed assertion for the JWT ones.
mkdir -p "$work/jwt"
"$tb" serve --fast --auth-method private_key_jwt --write-target "$work/jwt/target.yaml" >"$work/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do grep -q '^target ' "$work/serve.log" && break; sleep 0.05; done
grep -q '^target ' "$work/serve.log" || { cat "$work/serve.log"; exit 1; }
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/jwt/es256.pem" 2>/dev/null
sed 's|key_file: .*|key_file: es256.pem|' "$work/jwt/target.yaml" >"$work/jwt/target-es256.yaml"
sed -e '/auth_method:/d' -e '/key_file:/d' -e 's|id: tokenbench-jwt|id: tokenbench|' -e 's|profile: oidc|profile: bankid|' "$work/jwt/target.yaml" >"$work/jwt/target-basic.yaml"
for m in basic:target-basic rs256:target es256:target-es256; do
  "$tb" load --target "$work/jwt/${m#*:}.yaml" --static-code bench --out "out/bench/auth-${m%%:*}" \
    --concurrency 16 --duration 10s --validate none >"out/bench/auth-${m%%:*}.txt" 2>&1 || true
done
stop_serve
{
echo "## Client authentication under load (closed model, 16 workers, 10 s, the same fast provider)"
echo
echo "Signing is the harness's own work per request, measured apart from the exchange latency."
echo
echo "| method | requests/s | p50 ms | p99 ms | signing p50 ms | signing p99 ms |"
echo "|---|---:|---:|---:|---:|---:|"
for m in basic:client_secret_basic rs256:"private_key_jwt RS256" es256:"private_key_jwt ES256"; do
  f=out/bench/auth-${m%%:*}/load.json
  echo "| ${m#*:} | $(field "$f" 'd.summary.throughput_rps.toFixed(0)') | $(field "$f" 'd.summary.latency_ms.p50.toFixed(2)') | $(field "$f" 'd.summary.latency_ms.p99.toFixed(2)') | $(field "$f" 'd.summary.auth.time_ms.p50.toFixed(3)') | $(field "$f" 'd.summary.auth.time_ms.p99.toFixed(3)') |"
done
echo
} >>"$report"

echo "== honesty: serve --fast --stall 200ms/1s, 200/s, max 10 in flight, 20 s" >&2
serve --stall 200ms/1s
vtargets "$url"
tbload honesty --rate 200 --max-in-flight 10 --duration 20s --validate none
"$vegeta" attack -targets="$work/targets" -rate=200 -max-workers=10 -workers=10 -duration=20s >"$work/vegeta.bin"
"$vegeta" report -type=json <"$work/vegeta.bin" >out/bench/vegeta-honesty.json
stop_serve
{
echo "## Honesty under a stall (coordinated omission)"
echo
echo "The provider holds every request arriving in the first 200 ms of each second until then. At 200/s,"
echo "20 % of requests wait 0..200 ms, so the true latency from the intended send time has"
echo "p90 = 100 ms and p99 = 190 ms."
echo
echo "| tool | p50 ms | p90 ms | p99 ms | measured from |"
echo "|---|---:|---:|---:|---|"
f=out/bench/honesty/load.json
echo "| tokenbench | $(field "$f" 'd.summary.latency_ms.p50.toFixed(1)') | $(field "$f" 'd.summary.latency_ms.p90.toFixed(1)') | $(field "$f" 'd.summary.latency_ms.p99.toFixed(1)') | intended send time |"
echo "| tokenbench service time | $(field "$f" 'd.summary.service_time_ms.p50.toFixed(1)') | $(field "$f" 'd.summary.service_time_ms.p90.toFixed(1)') | $(field "$f" 'd.summary.service_time_ms.p99.toFixed(1)') | actual send |"
f=out/bench/vegeta-honesty.json
echo "| vegeta | $(field "$f" '(d.latencies["50th"]/1e6).toFixed(1)') | $(field "$f" '(d.latencies["90th"]/1e6).toFixed(1)') | $(field "$f" '(d.latencies["99th"]/1e6).toFixed(1)') | actual send |"
echo
} >>"$report"

echo "== memory: 2000/s for 10 s and for 40 s" >&2
serve
for d in 10 40; do
  /usr/bin/time -f '%M' -o "$work/rss-$d" "$tb" load --target "$target" --static-code bench --rate 2000 --duration ${d}s --validate all --out "out/bench/mem-$d" >"out/bench/mem-$d.txt" 2>&1 || true
done
{
echo "## Memory (no per-request storage)"
echo
echo "| run | peak RSS MiB | requests |"
echo "|---|---:|---:|"
for d in 10 40; do
  echo "| 2000/s for ${d} s, every response validated | $(( $(cat "$work/rss-$d") / 1024 )) | $(field "out/bench/mem-$d/load.json" 'd.summary.requests') |"
done
echo
} >>"$report"

echo "== rate accuracy" >&2
{
echo "## Rate accuracy (open model, 10 s each)"
echo
echo "| target /s | achieved /s | achieved / target | late | p99 lag ms |"
echo "|---:|---:|---:|---:|---:|"
} >>"$report"
for r in 10 100 1000 5000; do
  tbload "rate-$r" --rate "$r" --duration 10s --validate none
  f=out/bench/rate-$r/load.json
  echo "| $r | $(field "$f" 'd.summary.throughput_rps.toFixed(2)') | $(field "$f" '(100*d.summary.throughput_rps/d.summary.target_rps).toFixed(2)')% | $(field "$f" 'd.summary.late') | $(field "$f" 'd.summary.schedule_lag_ms.p99.toFixed(2)') |" >>"$report"
done
stop_serve
echo >>"$report"

echo "== capacity search against a provider of known capacity (4 at a time, 20 ms each)" >&2
TOKENBENCH_TIMING=1 go test -count=1 -run 'TestCapacityFindsProviderCapacity$' -v ./runner >out/bench/capacity-test.txt 2>&1 || { cat out/bench/capacity-test.txt; exit 1; }
{
echo "## Capacity search (a provider serving 4 requests at a time, 20 ms each: about 186/s with its signing time)"
echo
echo '```'
sed -n '/step  offered/,/stopped/p' out/bench/capacity-test.txt | sed 's/^ *//'
echo '```'
echo
} >>"$report"

echo "== code supply through headless Chromium (the browser source), 15 s each" >&2
if [ ! -x /usr/bin/chromium ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; fi
{
echo "## Codes from a JavaScript login (the browser source)"
echo
echo "\`tokenbench serve --login ...\` (user ID, then a one-time code in a cross-site iframe), codes from"
echo "headless Chromium; a closed-model load of 8 workers for 15 s, every exchange waiting for its code: the"
echo "rate is the browser's. Load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)."
echo
echo "| login | tabs (codes.browser.parallel) | codes | codes/s | obtain p50 ms | obtain p99 ms |"
echo "|---|---:|---:|---:|---:|---:|"
} >>"$report"
for login in js-no-session js; do
  "$tb" serve --login "$login" --code-ttl 60s --write-target "$work/browser.yaml" >"$work/serve.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 200); do grep -q '^target ' "$work/serve.log" && break; sleep 0.05; done
  for tabs in 1 2; do
    sed "s/^    browser:/    browser:\n        parallel: $tabs/" "$work/browser.yaml" >"$work/browser-$tabs.yaml"
    name=browser-$login-$tabs
    "$tb" load --target "$work/browser-$tabs.yaml" --concurrency 8 --duration 15s --validate none --out "out/bench/$name" >"out/bench/$name.txt" 2>&1 || true
    f=out/bench/$name/load.json
    what="every code a full login"
    [ "$login" = js ] && what="a session cookie: a redirect after the first login"
    echo "| $what | $tabs | $(field "$f" 'd.summary.codes.obtained') | $(field "$f" '(d.summary.codes.obtained/d.duration_s).toFixed(1)') | $(field "$f" 'd.summary.codes.obtain_ms.p50.toFixed(0)') | $(field "$f" 'd.summary.codes.obtain_ms.p99.toFixed(0)') |" >>"$report"
  done
  stop_serve
done
echo >>"$report"

echo "== race detection: last-byte synchronisation against goroutines (code-race-narrow, 200 rounds each)" >&2
TOKENBENCH_TIMING=1 go test -count=1 -run 'TestRaceDetection$' -v ./cmd/tokenbench >out/bench/race-test.txt 2>&1 || { cat out/bench/race-test.txt; exit 1; }
{
echo "## CODE-SINGLE-USE-RACE: detection per round of 10 racers (code-race-narrow: 300 µs between check and mark)"
echo
echo '```'
sed -n 's/^ *race_measure_test.go:[0-9]*: //p' out/bench/race-test.txt
echo '```'
echo
} >>"$report"

echo "== Go benchmarks" >&2
{
echo "## Go benchmarks (hot path)"
echo
echo '```'
go test -run '^$' -bench 'Record|PacerNext|OutcomeKey' -benchmem ./runner | grep '^Benchmark'
go test -run '^$' -bench 'String|AddSecret|WithOutcome|Forms' -benchmem ./internal/redact | grep '^Benchmark'
go test -run '^$' -bench 'Validate$|NewEvidence' -benchmem ./internal/checks | grep '^Benchmark'
go test -run '^$' -bench 'Assertion' -benchmem ./internal/exchange | grep '^Benchmark'
echo '```'
} >>"$report"
cat "$report"
