#!/usr/bin/env bash
# End-to-end: `tokenbench target check --profile oidc` against a real OpenID
# Provider that is not ours (panva's oidc-provider 9.13.3, OpenID Certified),
# once with each code source: authorize (a logged-in session given as
# cookies), command (harvest.js --forever) and file (3 pre-harvested codes).
#
#   bash e2e/node-oidc-provider/run.sh
#
# Needs node (20 or later) and npm (the lock file is installed with npm ci when
# node_modules is missing) and Go. Loopback only (127.0.0.1). Every wait is
# bounded. Exit 0 when all three checks exit 0; 1 otherwise.
#
# Environment (all optional):
#   TOKENBENCH         a tokenbench binary to use instead of building bin/tokenbench
#   OP_CLIENT_SECRET   client secret (default: random, with characters that
#                      RFC 6749 §2.3.1's form-encoding of Basic credentials changes)
#   OP_CLIENT_B_SECRET the second client's secret (default: random)
#   KEEP_WORK=1        keep the temporary directory with the target files and logs
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/tokenbench-e2e-op.XXXXXX")
server_pid=

cleanup() {
	local rc=$?
	if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
		kill "$server_pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$server_pid" 2>/dev/null || true
	fi
	if [[ "${KEEP_WORK:-}" == 1 ]]; then
		echo "== work directory kept: $work"
	else
		rm -rf "$work"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say() { printf '\n== %s\n' "$*"; }
die() { echo "run.sh: $*" >&2; exit 1; }

command -v node >/dev/null || die "node is not installed"
command -v npm >/dev/null || die "npm is not installed"
echo "node $(node --version), npm $(npm --version)"

# 1. The provider's packages, exactly as locked.
if [[ ! -f "$here/node_modules/oidc-provider/package.json" ]]; then
	say "npm ci (oidc-provider from package-lock.json)"
	(cd "$here" && timeout 300 npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
fi
echo "oidc-provider $(node -p 'require(process.argv[1]).version' "$here/node_modules/oidc-provider/package.json")"

# 2. tokenbench.
if [[ -n "${TOKENBENCH:-}" ]]; then
	tb=$TOKENBENCH
else
	say "go build -o bin/tokenbench ./cmd/tokenbench"
	(cd "$root" && timeout 600 go build -o "$root/bin/tokenbench" ./cmd/tokenbench) || die "go build failed"
	tb=$root/bin/tokenbench
fi
"$tb" version

# 3. The provider, on a free loopback port.
export OP_CLIENT_SECRET=${OP_CLIENT_SECRET:-"e2e a+b:c/d%e=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"}
export OP_CLIENT_B_SECRET=${OP_CLIENT_B_SECRET:-"e2e-b-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"}
export TOKENBENCH_CLIENT_SECRET=$OP_CLIENT_SECRET
export TOKENBENCH_SECOND_CLIENT_SECRET=$OP_CLIENT_B_SECRET
redirect_uri=http://127.0.0.1:9/callback # never contacted: codes are read from Location

say "starting the provider (node server.js 0)"
node "$here/server.js" 0 >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
issuer=
for _ in $(seq 150); do # 15 s
	if line=$(head -n1 "$work/server.out" 2>/dev/null) && [[ "$line" == "listening http://127.0.0.1:"* ]]; then
		issuer=${line#listening }
		break
	fi
	kill -0 "$server_pid" 2>/dev/null || break
	sleep 0.1
done
if [[ -z "$issuer" ]]; then
	cat "$work/server.err" >&2
	die "the provider did not print its listening line within 15 s"
fi
echo "provider pid $server_pid, issuer $issuer"

harvest() { timeout 60 node "$here/harvest.js" --issuer "$issuer" "$@"; }

# 4. Codes and sessions.
say "harvesting: a session (for authorize) and 3 codes (for file)"
session=$(harvest --session) || die "harvest.js --session failed"
harvest 3 >"$work/codes.jsonl" || die "harvest.js 3 failed"
echo "codes.jsonl: $(wc -l <"$work/codes.jsonl") lines"

# The session cookies go into the environment, one variable per cookie; the
# target file names the variables (codes.cookies NAME: env:VAR).
cookies_yaml=
i=0
IFS=';' read -ra pairs <<<"$session"
for pair in "${pairs[@]}"; do
	pair=${pair# }
	[[ -n "$pair" ]] || continue
	i=$((i + 1))
	name=${pair%%=*}
	export "OP_SESSION_COOKIE_$i=${pair#*=}"
	cookies_yaml+=$(printf '\n    "%s": "env:OP_SESSION_COOKIE_%d"' "$name" "$i")
	echo "session cookie $name -> \$OP_SESSION_COOKIE_$i"
done
((i > 0)) || die "no session cookies from harvest.js --session"

# 5. Target files.
common() {
	cat <<EOF
issuer: "$issuer"
client:
  id: tokenbench
  secret_env: TOKENBENCH_CLIENT_SECRET
second_client:
  id: tokenbench-b
  secret_env: TOKENBENCH_SECOND_CLIENT_SECRET
redirect_uri: "$redirect_uri"
scope: openid
profile: oidc
EOF
}
{
	common
	printf 'codes:\n  source: authorize\n  timeout: 20s\n  cookies:%s\n' "$cookies_yaml"
} >"$work/authorize.yaml"
{
	common
	cat <<EOF
codes:
  source: command
  timeout: 20s
  command: ["node", "$here/harvest.js", "--issuer", "$issuer", "--forever"]
EOF
} >"$work/command.yaml"
{
	common
	cat <<EOF
codes:
  source: file
  path: codes.jsonl
EOF
} >"$work/file.yaml"

# 6. The checks.
failed=()
for kind in authorize command file; do
	say "tokenbench target check --target $kind.yaml --profile oidc"
	sed 's/^/    | /' "$work/$kind.yaml"
	echo
	set +e
	timeout 120 "$tb" target check --target "$work/$kind.yaml" --profile oidc 2>&1
	rc=$?
	set -e
	echo "-- exit status $rc"
	((rc == 0)) || failed+=("$kind (exit $rc)")
done

if ! kill -0 "$server_pid" 2>/dev/null; then
	failed+=("the provider died")
fi
if grep -qE 'server_error' "$work/server.err"; then
	say "provider stderr"
	cat "$work/server.err"
fi

say "summary"
if ((${#failed[@]} > 0)); then
	printf 'FAILED: %s\n' "${failed[@]}"
	echo "provider stderr (tail):"
	tail -n 20 "$work/server.err"
	exit 1
fi
echo "OK: target check passed with the authorize, command and file code sources against oidc-provider"
