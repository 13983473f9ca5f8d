#!/usr/bin/env bash
# make e2e: tokenbench against real OpenID Providers on 127.0.0.1.
#
#   bash e2e/run.sh                       # all providers
#   E2E_PROVIDERS="zitadel" bash e2e/run.sh
#
# 1. e2e/node-oidc-provider/run.sh: `target check` with the authorize,
#    command and file code sources against panva's oidc-provider.
# 2. For each provider P in $E2E_PROVIDERS (default: node-oidc-provider
#    zitadel hydra) that has an e2e/P/up.sh (a missing one is skipped with a
#    message):
#    - e2e/P/up.sh starts it and writes $E2E_WORK/P/target.yaml and
#      $E2E_WORK/P/env (the secrets, sourced here in a subshell);
#    - `tokenbench conform --profile P` and `--profile oidc`, each report's
#      row verdicts compared with e2e/P/expect-PROFILE.yaml by e2e/verdicts
#      (a changed verdict, or a row missing on either side, fails);
#    - with e2e/P/up.sh's $E2E_WORK/P/target-browser.yaml (codes from headless
#      Chromium on the provider's login pages): `conform --profile oidc`
#      compared with the same expect-oidc.yaml, and a 5 s load (the browser's
#      codes per second);
#    - for each line "METHOD FILTER" of $E2E_WORK/P/methods (written by
#      up.sh, when the provider serves other client authentication methods):
#      `tokenbench target check` and `tokenbench conform --label-filter
#      FILTER` with $E2E_WORK/P/target-METHOD.yaml (a client registered for
#      METHOD, its profile named in the file), compared with
#      e2e/P/expect-METHOD.yaml; METHOD client_credentials is a client
#      registered for that grant alone: no code flow, so no target check;
#    - a short closed-model `tokenbench load` (4 workers, 3 s): its summary,
#      and a failure when more than 1% of the exchanges fail. It runs with
#      --validate none: the checks are conform's job (a provider that omits
#      Cache-Control: no-store would make every response "invalid"); this
#      shows that the code source and the provider keep up;
#    - `tokenbench load --grant refresh_token` and `--grant client_credentials`
#      (grant_load: 2 workers, 3 s, every response validated, reuse probes
#      on 10 % of the rotations) with the targets the refresh and client
#      credentials conform runs use: exit 0 with no check failed, or, where
#      the provider breaks rows on every response (zitadel: no
#      Cache-Control, exit 1; node: no Pragma, a warning, exit 0), exactly
#      those rows failing;
#    - e2e/P/down.sh stops it.
#    A trap runs every down.sh on exit, so every process started is stopped
#    by its recorded PID whatever happens.
#
# Environment: TOKENBENCH (default bin/tokenbench, built by make e2e),
# E2E_WORK (default /tmp/tokenbench-e2e; reports in $E2E_WORK/P/out-PROFILE),
# E2E_PROVIDERS, E2E_TARGET_CHECK=0 to leave out step 1.
# Exit 0 when every stage passed, 1 otherwise.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR
source "$here/lib.sh"
root=$E2E_ROOT
tb=${TOKENBENCH:-$root/bin/tokenbench}
providers=${E2E_PROVIDERS:-node-oidc-provider zitadel hydra}
verdicts=$root/.cache/bin/verdicts
export E2E_WORK

say() { printf '\n==== %s\n' "$*"; }
die() { echo "e2e/run.sh: $*" >&2; exit 1; }

[[ -x "$tb" ]] || die "no tokenbench binary at $tb (run make build, or set TOKENBENCH)"
mkdir -p "$E2E_WORK" "$(dirname "$verdicts")"
(cd "$root" && go build -o "$verdicts" ./e2e/verdicts) || die "building e2e/verdicts failed"
"$tb" version

up=() # providers brought up, for the trap
cleanup() {
	local rc=$? p
	for p in "${up[@]}"; do
		if [[ -f "$here/$p/down.sh" ]]; then bash "$here/$p/down.sh" || true; fi
	done
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

failed=()
skipped=()
summary=()

if [[ "${E2E_TARGET_CHECK:-1}" != 0 && " $providers " == *" node-oidc-provider "* ]]; then
	say "node-oidc-provider: target check with the authorize, command and file code sources"
	if TOKENBENCH=$tb bash "$here/node-oidc-provider/run.sh"; then
		summary+=("node-oidc-provider target check (authorize, command, file): ok")
	else
		failed+=("node-oidc-provider target check")
	fi
fi

# conform_compare P NAME TARGET EXPECT CONFORM-ARGS...: one conform run with
# TARGET (report in $E2E_WORK/P/out-NAME, log conform-NAME.log), the report's
# summary, and its row verdicts compared with EXPECT by e2e/verdicts.
conform_compare() {
	local p=$1 name=$2 tf=$3 expect=$4 dir=$E2E_WORK/$1 rc=0
	shift 4
	local out=$dir/out-$name
	timeout 1200 "$tb" conform --target "$tf" "$@" --out "$out" >"$dir/conform-$name.log" 2>&1 || rc=$?
	# The report's own summary: the verdict and every row that did not pass.
	sed -n '/^verdict /,$p' "$dir/conform-$name.log"
	if ((rc > 1)) || [[ ! -f "$out/conformance.json" ]]; then
		tail -n 30 "$dir/conform-$name.log"
		echo "conform exited $rc (2: bad input, 3: internal error); log $dir/conform-$name.log"
		return 1
	fi
	if [[ ! -f "$expect" ]]; then
		echo "no expectation file $expect; write one from the report with"
		echo "  $verdicts -report $out/conformance.json -expect $expect -update"
		echo "and check every non-pass by hand"
		return 1
	fi
	"$verdicts" -report "$out/conformance.json" -expect "$expect"
}

# conform_and_compare P PROFILE [SOURCE]: conform --profile PROFILE with
# target.yaml against e2e/P/expect-PROFILE.yaml; SOURCE "browser" runs it
# with target-browser.yaml (the same provider, codes from headless
# Chromium) against the same expectations.
conform_and_compare() {
	local p=$1 profile=$2 dir=$E2E_WORK/$1 tf=$E2E_WORK/$1/target.yaml name=$2
	if [[ "${3:-}" == browser ]]; then
		tf=$dir/target-browser.yaml name=$profile-browser
	fi
	say "$p: tokenbench conform --profile $profile --target $(basename "$tf")"
	conform_compare "$p" "$name" "$tf" "$here/$p/expect-$profile.yaml" --profile "$profile"
}

# conform_method P METHOD FILTER: target check and conform --label-filter
# FILTER with target-METHOD.yaml (a client registered for METHOD, its
# profile named in the file) against e2e/P/expect-METHOD.yaml.
conform_method() {
	local p=$1 m=$2 filter=$3 dir=$E2E_WORK/$1
	local tf=$dir/target-$m.yaml
	say "$p: tokenbench target check and conform with $m (--label-filter '$filter')"
	local crc=0
	rm -f "$dir/check-$m.log"
	if [[ $m == client_credentials ]]; then
		# A client registered for client_credentials alone has no code flow
		# for target check to drive: its run is the client credentials rows.
		echo "client     $(sed -n '/^client:/,/^ *id:/s/^ *id: *//p' "$tf") (client_credentials only: no target check)"
	else
		timeout 120 "$tb" target check --target "$tf" >"$dir/check-$m.log" 2>&1 || crc=$?
	fi
	# Exit 1 with tokens issued is a working setup whose response breaks a
	# MUST row (zitadel's lacks Cache-Control: no-store): conform says which.
	if ((crc != 0)) && ! { ((crc == 1)) && grep -q '^verdict    FAILED: tokens were issued' "$dir/check-$m.log"; }; then
		tail -n 30 "$dir/check-$m.log"
		echo "target check with $m failed (exit $crc); log $dir/check-$m.log"
		return 1
	fi
	if [[ -f "$dir/check-$m.log" ]]; then grep -E '^(client|exchange|verdict) ' "$dir/check-$m.log"; fi
	conform_compare "$p" "$m" "$tf" "$here/$p/expect-$m.yaml" --label-filter "$filter"
}

# load P [SOURCE]: a short closed-model load run (SOURCE browser: with
# target-browser.yaml, 5 s: the codes per second of the browser source).
load() {
	local p=$1 dir=$E2E_WORK/$1 rc=0 tf=$E2E_WORK/$1/target.yaml name=load duration=3s
	if [[ "${2:-}" == browser ]]; then
		tf=$dir/target-browser.yaml name=load-browser duration=5s
	fi
	say "$p: tokenbench load --concurrency 4 --duration $duration --target $(basename "$tf")"
	timeout 120 "$tb" load --target "$tf" --profile "$p" --concurrency 4 --duration "$duration" \
		--validate none --slo 'error_rate<=1%' --out "$dir/$name" >"$dir/$name.log" 2>&1 || rc=$?
	sed -n '/^run /,$p' "$dir/$name.log"
	if ((rc != 0)); then
		tail -n 20 "$dir/$name.log"
		echo "load exited $rc: more than 1% of the exchanges failed, or the run did not complete"
		return 1
	fi
}

# grant_load P NAME TARGET GRANT EXIT [ROW...]: a short closed-model load
# --grant GRANT (2 workers, 3 s) with TARGET and its profile, every response
# validated (refresh runs: reuse probes on 10 % of the rotations, and the
# code exchanges that start chains validated too). The run must exit EXIT,
# every request must get a token, no reuse probe may fail, and the rows
# failing must be exactly ROWs, each on every validated response (rows the
# provider breaks every time, as its expect-*.yaml files record with their
# reasons; no ROW: "no check failed").
grant_load() {
	local p=$1 name=$2 tf=$3 grant=$4 want_rc=$5 dir=$E2E_WORK/$1 rc=0
	shift 5
	local log=$dir/load-$name.log profile=()
	grep -q '^profile:' "$tf" || profile=(--profile "$p")
	say "$p: tokenbench load --grant $grant --concurrency 2 --duration 3s --validate all --target $(basename "$tf")"
	timeout 120 "$tb" load --target "$tf" "${profile[@]}" --grant "$grant" --concurrency 2 --duration 3s --validate all \
		--reuse-probes 0.1 --out "$dir/load-$name" >"$log" 2>&1 || rc=$?
	sed -n '/^run /,$p' "$log"
	local n starts
	n=$(sed -n 's/^validated *\([0-9]*\) responses.*/\1/p; s/^check failures .*(of \([0-9]*\) validated)$/\1/p' "$log")
	if [[ -z "$n" || "$n" == 0 ]] || grep -q 'FAIL:' "$log" || ! grep -qE '^outcomes +(ok|invalid_200) [0-9]+$' "$log"; then
		echo "load --grant $grant: no response validated, a reuse probe failed, or a request got no token (exit $rc); log $log"
		return 1
	fi
	# What the rows must read: the responses' line, and the chain starts'.
	local want="no check failed" want_starts="every row held" row
	if (($# > 0)); then
		starts=$(sed -n 's/.* of the \([0-9]*\) code exchanges that started them .*/\1/p' "$log")
		want="" want_starts=""
		for row in $(printf '%s\n' "$@" | sort); do
			want+="${want:+, }$row $n"
			want_starts+="${want_starts:+, }$row $starts"
		done
		want="check failures $want (of $n validated)"
		want_starts="rows failed: $want_starts"
	fi
	local got
	got=$(sed -n 's/^check failures  */check failures /p; s/^validated  *[0-9]* responses, //p' "$log")
	if ((rc != want_rc)) || [[ "$got" != "$want" ]]; then
		echo "load --grant $grant: exit $rc with \"$got\"; want exit $want_rc with \"$want\"; log $log"
		return 1
	fi
	if [[ $grant == refresh_token ]] && ! grep -qF "$want_starts" "$log"; then
		echo "load --grant refresh_token: the chain starts' validation does not read \"$want_starts\"; log $log"
		return 1
	fi
	echo "as expected: exit $rc, $want"
}

for p in $providers; do
	if [[ ! -f "$here/$p/up.sh" ]]; then
		echo
		echo "SKIP $p: e2e/$p/up.sh is not there"
		skipped+=("$p (no e2e/$p/up.sh)")
		continue
	fi
	say "$p: up"
	up+=("$p")
	if ! bash "$here/$p/up.sh"; then
		failed+=("$p: up.sh")
		continue
	fi
	dir=$E2E_WORK/$p
	for f in target.yaml env; do
		[[ -f "$dir/$f" ]] || { failed+=("$p: up.sh wrote no $dir/$f"); continue 2; }
	done
	# The provider's secrets live in this subshell only.
	for profile in "$p" oidc; do
		# shellcheck disable=SC1091 # written by up.sh
		if (set -a && source "$dir/env" && conform_and_compare "$p" "$profile"); then
			summary+=("$p conform --profile $profile: every verdict as expected")
		else
			failed+=("$p conform --profile $profile")
		fi
	done
	if [[ -f "$dir/methods" ]]; then
		while read -r -u 3 m filter; do
			# shellcheck disable=SC1091 # written by up.sh
			if (set -a && source "$dir/env" && conform_method "$p" "$m" "$filter"); then
				summary+=("$p $m: target check ok, conform every verdict as expected")
			else
				failed+=("$p $m")
			fi
		done 3<"$dir/methods"
	fi
	# shellcheck disable=SC1091 # written by up.sh
	if (set -a && source "$dir/env" && load "$p"); then
		summary+=("$p load: $(sed -n 's/^requests *//p' "$dir/load.log")")
	else
		failed+=("$p load")
	fi
	# The other grants under load, each with the target its conform run uses.
	grant_loads=()
	case $p in
	node-oidc-provider)
		# the second server.js (rotateRefreshToken, clientCredentials); it
		# sends Cache-Control: no-store but no Pragma: RESP-PRAGMA warns on
		# every response (a SHOULD; expect-node-oidc-provider.yaml)
		grant_loads=("refresh target-rotation.yaml refresh_token 0 RESP-PRAGMA"
			"cc target-client_credentials.yaml client_credentials 0 RESP-PRAGMA") ;;
	hydra)
		grant_loads=("refresh target.yaml refresh_token 0" "cc target.yaml client_credentials 0") ;;
	zitadel)
		# Every token response of the example OP lacks Cache-Control:
		# no-store (RESP-NO-STORE fail, RFC 6749 §5.1 MUST: every response
		# invalid, exit 1) and Pragma (RESP-PRAGMA warning):
		# expect-zitadel.yaml, expect-client_credentials.yaml.
		grant_loads=("refresh target.yaml refresh_token 1 RESP-NO-STORE RESP-PRAGMA"
			"cc target-client_credentials.yaml client_credentials 1 RESP-NO-STORE RESP-PRAGMA") ;;
	esac
	for gl in "${grant_loads[@]}"; do
		read -r name tfile grant want_rc rows <<<"$gl"
		# shellcheck disable=SC1091,SC2086 # env written by up.sh; rows split on purpose
		if (set -a && source "$dir/env" && grant_load "$p" "$name" "$dir/$tfile" "$grant" "$want_rc" $rows); then
			summary+=("$p load --grant $grant: $(sed -n 's/^requests *//p' "$dir/load-$name.log")${rows:+ (expected failures: $rows)}")
		else
			failed+=("$p load --grant $grant")
		fi
	done
	if [[ -f "$dir/target-browser.yaml" ]]; then
		# The browser source on the provider's own login pages: the same
		# verdicts as the other code source, and its codes per second.
		# shellcheck disable=SC1091 # written by up.sh
		if (set -a && source "$dir/env" && conform_and_compare "$p" oidc browser); then
			summary+=("$p conform --profile oidc, codes from the browser: every verdict as expected")
		else
			failed+=("$p conform --profile oidc (browser source)")
		fi
		# shellcheck disable=SC1091 # written by up.sh
		if (set -a && source "$dir/env" && load "$p" browser); then
			summary+=("$p load, codes from the browser: $(sed -n 's/^codes *//p' "$dir/load-browser.log")")
		else
			failed+=("$p load (browser source)")
		fi
	fi
	say "$p: down"
	bash "$here/$p/down.sh" || failed+=("$p: down.sh")
done

say "summary"
printf '  %s\n' "${summary[@]}"
((${#skipped[@]} == 0)) || printf '  SKIPPED %s\n' "${skipped[@]}"
if ((${#failed[@]} > 0)); then
	printf '  FAILED %s\n' "${failed[@]}"
	echo "reports and logs: $E2E_WORK"
	exit 1
fi
echo "e2e: OK (reports in $E2E_WORK)"
