#!/usr/bin/env bash
# make bench: tokenbench side by side with vegeta, bombardier and wrk, in one
# run on this machine, against `tokenbench serve --fast` (a provider that
# answers any code with one pre-signed response) in its own process on
# 127.0.0.1. Each comparison runs the tools in turn, tokenbench and each peer
# alternately, BENCH_ROUNDS rounds (default 3), and reports medians; CPU is
# the generator process's own user + system time, from /usr/bin/time.
# Prints every goal of issue 12 with its ratio and PASS/FAIL, and writes the
# whole report to out/bench.md. Every process is bounded in time and stopped
# when the script ends, however it ends.
#
#   BENCH_ROUNDS=1 BENCH_SECONDS=3 make bench   # a quick look (figures noisier)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
rounds=${BENCH_ROUNDS:-3}
secs=${BENCH_SECONDS:-10}
cache=$root/.cache
out=out/bench
mkdir -p "$cache/bin" "$out"
work=$(mktemp -d)
serve_pid=
cleanup() {
  if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "== $*" >&2; }

say "tools"
VEGETA_VERSION=v12.13.0
BOMBARDIER_VERSION=v1.2.6
[ -x "$cache/bin/vegeta" ] || GOBIN=$cache/bin go install "github.com/tsenart/vegeta/v12@$VEGETA_VERSION"
[ -x "$cache/bin/bombardier" ] || GOBIN=$cache/bin go install "github.com/codesenberg/bombardier@$BOMBARDIER_VERSION"
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    timeout 300 apt-get update -qq && DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -qq wrk >/dev/null || true
  fi
fi
have_wrk=; command -v wrk >/dev/null && have_wrk=1
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is needed (apt-get install time)" >&2; exit 2; }
go build -o bin/tokenbench ./cmd/tokenbench
tb=$root/bin/tokenbench
vegeta=$cache/bin/vegeta
bombardier=$cache/bin/bombardier
export TOKENBENCH_CLIENT_SECRET=tokenbench-secret

# serve ARGS...: start the provider in its own process; sets $url, $target.
serve() {
  stop_serve
  "$tb" serve --fast --addr 127.0.0.1:0 --write-target "$work/target.yaml" "$@" >"$work/serve.log" 2>&1 &
  serve_pid=$!
  for _ in $(seq 100); do grep -qs '^target ' "$work/serve.log" && break; sleep 0.1; done
  url=$(sed -n 's/^listening //p' "$work/serve.log")
  target=$work/target.yaml
  [ -n "$url" ] || { cat "$work/serve.log" >&2; echo "bench: the provider did not start" >&2; exit 1; }
}
stop_serve() {
  if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; serve_pid=; fi
}

# The same POST from every tool: tokenbench's body and headers (each tool
# sends its own User-Agent).
body="grant_type=authorization_code&code=bench&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcallback"
auth="Basic $(printf 'tokenbench:tokenbench-secret' | base64)"
printf '%s' "$body" >"$work/body"
cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = "$body"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "$auth"
wrk.headers["Accept"] = "application/json"
LUA

results=$work/results.jsonl
: >"$results"
bound=$((secs * 4 + 60)) # no run may take longer than this
timed() { # timed NAME CMD...: run CMD bounded in time, its CPU and peak RSS into $work/NAME.time
  local name=$1; shift
  /usr/bin/time -f '%U %S %M' -o "$work/$name.time" timeout -k 5 "$bound" "$@" || true
}
rec() { node "$root/scripts/bench-report.js" record "$results" "$@"; }

# run_tb CASE ROUND ARGS...: a tokenbench load run
run_tb() {
  local c=$1 r=$2; shift 2
  local n="$c-tokenbench-$r"
  timed "$n" "$tb" load --target "$target" --static-code bench --out "$out/$n" "$@" >"$out/$n.txt" 2>&1
  rec tokenbench "$c" "$r" "$out/$n/load.json" "$work/$n.time"
}
# run_vegeta CASE ROUND ARGS...: a vegeta attack of the same POST
run_vegeta() {
  local c=$1 r=$2; shift 2
  local n="$c-vegeta-$r"
  printf 'POST %s/oauth/token\nAuthorization: %s\nContent-Type: application/x-www-form-urlencoded\nAccept: application/json\n@%s\n' "$url" "$auth" "$work/body" >"$work/targets"
  timed "$n" "$vegeta" attack -targets="$work/targets" "$@" -output="$work/$n.bin"
  "$vegeta" report -type=json <"$work/$n.bin" >"$out/$n.json" 2>/dev/null || true
  rec vegeta "$c" "$r" "$out/$n.json" "$work/$n.time"
}
run_bombardier() {
  local c=$1 r=$2; shift 2
  local n="$c-bombardier-$r"
  timed "$n" "$bombardier" -c 16 -d "${secs}s" -l -m POST -H "Authorization: $auth" -H 'Accept: application/json' \
    -H 'Content-Type: application/x-www-form-urlencoded' -f "$work/body" -p r -o json "$url/oauth/token" >"$out/$n.json"
  rec bombardier "$c" "$r" "$out/$n.json" "$work/$n.time"
}
run_wrk() {
  local c=$1 r=$2; shift 2
  local n="$c-wrk-$r"
  timed "$n" wrk --latency -t2 -c16 -d"${secs}s" -s "$work/post.lua" "$url/oauth/token" >"$out/$n.txt" 2>&1
  rec wrk "$c" "$r" "$out/$n.txt" "$work/$n.time"
}

say "throughput: closed model, 16 connections, ${secs} s, $rounds rounds"
serve
for r in $(seq "$rounds"); do
  run_tb closed-none "$r" --concurrency 16 --duration "${secs}s" --validate none
  run_bombardier closed "$r"
  run_vegeta closed "$r" -rate=0 -max-workers=16 -workers=16 -duration="${secs}s"
  run_tb closed-all "$r" --concurrency 16 --duration "${secs}s" --validate all
  [ -z "$have_wrk" ] || run_wrk closed "$r"
done

say "CPU per request and rate accuracy: open model, 10, 100, 1000 and 5000/s, ${secs} s, $rounds rounds"
for r in $(seq "$rounds"); do
  for rate in 10 100 1000 5000; do
    run_tb "open-$rate" "$r" --rate "$rate" --duration "${secs}s" --validate none
    run_vegeta "open-$rate" "$r" -rate="$rate" -duration="${secs}s"
  done
done

say "honesty: serve --fast --stall 200ms/1s, 200/s, at most 10 in flight, 20 s"
serve --stall 200ms/1s
run_tb stall 1 --rate 200 --max-in-flight 10 --duration 20s --validate none
run_vegeta stall 1 -rate=200 -max-workers=10 -workers=10 -duration=20s

say "memory: 2000/s, every response validated, 10 s and 40 s; and validation off beside vegeta, 10 s"
serve
run_tb mem-10 1 --rate 2000 --duration 10s --validate all
run_tb mem-40 1 --rate 2000 --duration 40s --validate all
run_tb mem-none-10 1 --rate 2000 --duration 10s --validate none
run_vegeta mem-none-10 1 -rate=2000 -duration=10s
stop_serve

report=out/bench.md
{
  echo "# tokenbench benchmarks"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores ($(sed -n 's/^model name\t*: //p' /proc/cpuinfo | head -1)), load average before the run $(cut -d' ' -f1-3 /proc/loadavg),"
  echo "$(go version | cut -d' ' -f3), vegeta $VEGETA_VERSION, bombardier $BOMBARDIER_VERSION${have_wrk:+, $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)}."
  echo "Provider: \`tokenbench serve --fast\` on 127.0.0.1 (one pre-signed response for any code), its own process;"
  echo "generator and provider share the machine. Medians of $rounds rounds, tools alternating; CPU is the generator's"
  echo "user + system time (/usr/bin/time). Ratios, not absolute figures, are the result."
  echo
  node "$root/scripts/bench-report.js" report "$results" "$secs"
} >"$report"

say "client authentication: closed model, 16 workers, ${secs} s: Basic, private_key_jwt RS256 and ES256"
# The fast provider answers any POST: what differs between the runs is the
# harness's own work per request, a fresh signed assertion for the JWT ones.
stop_serve
mkdir -p "$work/jwt"
"$tb" serve --fast --addr 127.0.0.1:0 --auth-method private_key_jwt --write-target "$work/jwt/target.yaml" >"$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 100); do grep -qs '^target ' "$work/serve.log" && break; sleep 0.1; done
grep -qs '^target ' "$work/serve.log" || { cat "$work/serve.log" >&2; echo "bench: the provider did not start" >&2; exit 1; }
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/jwt/es256.pem" 2>/dev/null || true
sed 's|key_file: .*|key_file: es256.pem|' "$work/jwt/target.yaml" >"$work/jwt/target-es256.yaml"
sed -e '/auth_method:/d' -e '/key_file:/d' -e 's|id: tokenbench-jwt|id: tokenbench|' -e 's|profile: oidc|profile: bankid|' "$work/jwt/target.yaml" >"$work/jwt/target-basic.yaml"
for m in basic:target-basic rs256:target es256:target-es256; do
  timeout -k 5 "$bound" "$tb" load --target "$work/jwt/${m#*:}.yaml" --static-code bench --out "$out/auth-${m%%:*}" \
    --concurrency 16 --duration "${secs}s" --validate none >"$out/auth-${m%%:*}.txt" 2>&1 || true
done
stop_serve
{
  echo "## Client authentication under load (closed model, 16 workers, ${secs} s, the same fast provider)"
  echo
  echo "Signing is the harness's own work per request, measured apart from the exchange latency."
  echo
  echo "| method | requests/s | p50 ms | p99 ms | signing p50 ms | signing p99 ms |"
  echo "|---|---:|---:|---:|---:|---:|"
  for m in basic:client_secret_basic rs256:"private_key_jwt RS256" es256:"private_key_jwt ES256"; do
    node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1])).summary;
      console.log(`| ${process.argv[2]} | ${d.throughput_rps.toFixed(0)} | ${d.latency_ms.p50.toFixed(2)} | ${d.latency_ms.p99.toFixed(2)} | ${d.auth.time_ms.p50.toFixed(3)} | ${d.auth.time_ms.p99.toFixed(3)} |`)' \
      "$out/auth-${m%%:*}/load.json" "${m#*:}" 2>/dev/null || echo "| ${m#*:} | (no result: see $out/auth-${m%%:*}.txt) | | | | |"
  done
  echo
} >>"$report"

say "refresh grant beside the code grant: closed model, 16 workers, ${secs} s, the embedded reference provider"
# Both against the same provider, in tokenbench's own process: the code
# grant's codes come from its authorize endpoint (obtained apart); the
# refresh grant rotates chains, each started by one code (measured apart).
for g in authorization_code refresh_token; do
  timeout -k 5 "$bound" "$tb" load --grant "$g" --reuse-probes 0 --concurrency 16 --duration "${secs}s" \
    --out "$out/grant-$g" >"$out/grant-$g.txt" 2>&1 || true
done
{
  echo "## Refresh grant beside the code grant (closed model, 16 workers, ${secs} s, the embedded reference provider)"
  echo
  echo "Every response validated. The refresh grant spends a code only to start a chain (measured apart, like the wait for a code)."
  echo
  echo "| grant | requests/s | p50 ms | p99 ms | errors | chains started |"
  echo "|---|---:|---:|---:|---:|---:|"
  for g in authorization_code refresh_token; do
    node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1])),d=r.summary;
      console.log(`| ${process.argv[2]} | ${d.throughput_rps.toFixed(0)} | ${d.latency_ms.p50.toFixed(2)} | ${d.latency_ms.p99.toFixed(2)} | ${d.errors} | ${r.chains ? r.chains.started : "—"} |`)' \
      "$out/grant-$g/load.json" "$g" 2>/dev/null || echo "| $g | (no result: see $out/grant-$g.txt) | | | | |"
  done
  echo
} >>"$report"

say "code supply through headless Chromium (the browser source), 15 s each"
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ]; then
  timeout 300 apt-get update -qq && DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq chromium >/dev/null || true
fi
if [ -x /usr/bin/chromium ]; then
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
    stop_serve
    "$tb" serve --login "$login" --code-ttl 60s --write-target "$work/browser.yaml" >"$work/serve.log" 2>&1 &
    serve_pid=$!
    for _ in $(seq 100); do grep -qs '^target ' "$work/serve.log" && break; sleep 0.1; done
    for tabs in 1 2; do
      sed "s/^    browser:/    browser:\n        parallel: $tabs/" "$work/browser.yaml" >"$work/browser-$tabs.yaml"
      name=browser-$login-$tabs
      timeout -k 5 120 "$tb" load --target "$work/browser-$tabs.yaml" --concurrency 8 --duration 15s --validate none --out "$out/$name" >"$out/$name.txt" 2>&1 || true
      what="every code a full login"
      [ "$login" = js ] && what="a session cookie: a redirect after the first login"
      node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1])),c=d.summary.codes;
        console.log(`| ${process.argv[2]} | ${process.argv[3]} | ${c.obtained} | ${(c.obtained/d.duration_s).toFixed(1)} | ${c.obtain_ms.p50.toFixed(0)} | ${c.obtain_ms.p99.toFixed(0)} |`)' \
        "$out/$name/load.json" "$what" "$tabs" >>"$report" 2>/dev/null || echo "| $what | $tabs | (no result: see $out/$name.txt) | | | |" >>"$report"
    done
  done
  stop_serve
  echo >>"$report"
fi

say "race detection: last-byte synchronisation against goroutines (code-race-narrow, 200 rounds each)"
TOKENBENCH_TIMING=1 go test -count=1 -run 'TestRaceDetection$' -v ./cmd/tokenbench >"$out/race-test.txt" 2>&1 || { cat "$out/race-test.txt"; exit 1; }
{
echo "## CODE-SINGLE-USE-RACE: detection per round of 10 racers (code-race-narrow: 300 µs between check and mark)"
echo
echo '```'
sed -n 's/^ *race_measure_test.go:[0-9]*: //p' "$out/race-test.txt"
echo '```'
echo
} >>"$report"

say "Go benchmarks"
{
  echo "## Go benchmarks (hot path)"
  echo
  echo '```'
  go test -run '^$' -bench 'Record|PacerNext|ClosedModel|OutcomeKey' -benchmem ./runner | grep '^Benchmark' || true
  go test -run '^$' -bench 'String|AddSecret|WithOutcome|Forms' -benchmem ./internal/redact | grep '^Benchmark' || true
  go test -run '^$' -bench 'FastClientCPU|ParseHead|ExchangeLoopback|Assertion' -benchmem ./internal/exchange | grep '^Benchmark' || true
  go test -run '^$' -bench 'Validate$|NewEvidence' -benchmem ./internal/checks | grep '^Benchmark' || true
  echo '```'
  echo
} >>"$report"

say "capacity search against a provider of known capacity (4 at a time, 20 ms each)"
if TOKENBENCH_TIMING=1 timeout 300 go test -count=1 -run 'TestCapacityFindsProviderCapacity$' -v ./runner >"$out/capacity-test.txt" 2>&1; then cap=PASS; else cap=FAIL; fi
{
  echo "## Capacity search (a provider serving 4 requests at a time, 20 ms each: about 186/s with its signing time): $cap"
  echo
  echo '```'
  # The test's own log: what the search found and why it stopped.
  grep -E '^\s+capacity_test.go:[0-9]+: ' "$out/capacity-test.txt" | sed 's/^ *//' | awk '!seen[$0]++' | cut -c1-400 || true
  echo '```'
} >>"$report"

cat "$report"
echo
echo "written: $report"
