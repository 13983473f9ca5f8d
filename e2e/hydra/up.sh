#!/usr/bin/env bash
# Start Ory Hydra v2.3.0 on 127.0.0.1 as a tokenbench e2e target, backed by a
# PostgreSQL cluster of its own (Hydra's in-memory store fails concurrent
# requests), with two clients registered, and write the target file.
#
#   bash e2e/hydra/up.sh        # then: source $E2E_WORK/hydra/env
#   bash e2e/hydra/down.sh      # stops both, by PID
#
# What it does, every step bounded in time and on 127.0.0.1 only:
#   1. PostgreSQL: from Debian (apt-get install postgresql) when no
#      /usr/lib/postgresql/*/bin/initdb exists; a new cluster (initdb, pg_ctl,
#      as the postgres user when run as root) in $E2E_WORK/hydra/pg on a free
#      port, with a unix socket in that directory only.
#   2. Hydra: .cache/bin/hydra, built from tools/hydra (its own Go module)
#      when missing; hydra.yml (DSN, URLs, system secret, cheap pbkdf2, a 10 s
#      auth code TTL, a 20 s refresh token TTL, both listeners on free
#      loopback ports); migrations;
#      `hydra serve all --dev --sqa-opt-out` in the background with an empty
#      environment (Hydra reads any variable named like a config key).
#   3. Clients tokenbench and tokenbench-b (client_secret_basic,
#      authorization_code + refresh_token + client_credentials, scope
#      "openid offline offline_access", redirect URIs
#      http://127.0.0.1:9/callback and /callback2), and one client each for
#      client_secret_post and private_key_jwt, registered alike. The second
#      one's secret has characters that RFC 6749 §2.3.1's form-encoding
#      changes.
#   4. $E2E_WORK/hydra/target.yaml (codes.source: hydra, scope openid
#      offline_access: Hydra issues a refresh token only when offline or
#      offline_access is granted, and the hydra source's consent grants the
#      requested scope) and
#      $E2E_WORK/hydra/env (the secrets as exports).
#
# PIDs (hydra, then the postgres postmaster) go to $E2E_WORK/hydra/pids, one
# per line. Running up.sh again first stops what a previous run left.
#
# Environment (all optional):
#   E2E_WORK                 work directory (default /tmp/tokenbench-e2e)
#   HYDRA_CLIENT_SECRET      first client's secret (default: random)
#   HYDRA_CLIENT_B_SECRET    second client's secret (default: random, with
#                            reserved characters)
#   HYDRA_CODE_TTL           ttl.auth_code (default 10s: CODE-EXPIRES is quick)
#   HYDRA_REFRESH_TTL        ttl.refresh_token (default 20s: RT-EXPIRES is quick)
#   HYDRA_BIN                a hydra binary to use instead of .cache/bin/hydra
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=e2e/lib.sh
source "$here/../lib.sh" # e2e_rsa_key, e2e_jwk
root=$(cd "$here/../.." && pwd)
work=${E2E_WORK:-/tmp/tokenbench-e2e}
dir=$work/hydra
hydra=${HYDRA_BIN:-$root/.cache/bin/hydra}
code_ttl=${HYDRA_CODE_TTL:-10s}
refresh_ttl=${HYDRA_REFRESH_TTL:-20s}
redirect_uri=http://127.0.0.1:9/callback # never contacted: the hydra source stops at the redirect
other_redirect_uri=http://127.0.0.1:9/callback2

say() { printf '== hydra/up.sh: %s\n' "$*"; }
die() {
	echo "hydra/up.sh: $*" >&2
	for f in "$dir/hydra.log" "$dir/pg.log"; do
		[[ -s "$f" ]] && { echo "--- tail of $f" >&2; tail -n 20 "$f" >&2; }
	done
	exit 1
}

# A stale run is stopped first, so that up.sh can be repeated.
bash "$here/down.sh" >/dev/null 2>&1 || true
mkdir -p "$work"
rm -rf "$dir"
mkdir -p "$dir"
chmod o+x "$work" "$dir" # the postgres user must reach its cluster below

# free_port prints a TCP port nobody listens on at 127.0.0.1, not one of $*,
# below the kernel's ephemeral range (ip_local_port_range, default 32768):
# a port in that range can be taken by any outgoing connection (thousands
# in TIME_WAIT on a machine running load tests), and bind then fails.
free_port() {
	local p lo=32768
	read -r lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
	((lo > 12000)) || lo=32768
	for _ in $(seq 100); do
		p=$((10000 + RANDOM % (lo - 10000)))
		[[ " $* " == *" $p "* ]] && continue
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# wait_http URL SECONDS: until URL answers 200.
wait_http() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		if [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null)" == 200 ]]; then
			return 0
		fi
		[[ -n "${hydra_pid:-}" ]] && ! kill -0 "$hydra_pid" 2>/dev/null && return 1
		sleep 0.1
	done
	return 1
}

random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

command -v curl >/dev/null || die "curl is not installed"

# 1. PostgreSQL ---------------------------------------------------------------
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1; }
if [[ -z "$(pg_bin)" || ! -x "$(pg_bin)/initdb" ]]; then
	say "installing PostgreSQL from Debian"
	sudo=
	[[ $(id -u) == 0 ]] || sudo=sudo
	export DEBIAN_FRONTEND=noninteractive
	timeout 300 $sudo apt-get update -qq || die "apt-get update failed"
	timeout 600 $sudo apt-get install -y -qq postgresql >/dev/null || die "apt-get install postgresql failed"
fi
pgbin=$(pg_bin)
[[ -x "$pgbin/initdb" ]] || die "no initdb under /usr/lib/postgresql/*/bin"

# As root, the cluster belongs to the postgres user (initdb refuses root).
if [[ $(id -u) == 0 ]]; then
	id postgres >/dev/null 2>&1 || die "running as root but there is no postgres user"
	as_pg() { runuser -u postgres -- "$@"; }
else
	as_pg() { "$@"; }
fi

pgdata=$dir/pg
pg_port=$(free_port) || die "no free port for PostgreSQL"
mkdir -p "$pgdata" "$dir/pgsock"
[[ $(id -u) == 0 ]] && chown postgres: "$pgdata" "$dir/pgsock"
chmod 700 "$pgdata"
as_pg test -w "$pgdata" || die "the postgres user cannot write $pgdata (every directory above it must be traversable by it)"
say "PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') cluster in $pgdata on 127.0.0.1:$pg_port"
as_pg timeout 120 "$pgbin/initdb" -D "$pgdata" -U postgres --auth=trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 ||
	{ cat "$dir/initdb.log" >&2; die "initdb failed"; }
# A throw-away test database: durability off, for speed.
cat >>"$pgdata/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $pg_port
unix_socket_directories = '$dir/pgsock'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
touch "$dir/pg.log"
[[ $(id -u) == 0 ]] && chown postgres: "$dir/pg.log"
as_pg timeout 60 "$pgbin/pg_ctl" -D "$pgdata" -l "$dir/pg.log" -w -t 30 start >/dev/null || die "pg_ctl start failed"
pg_pid=$(head -n1 "$pgdata/postmaster.pid")
echo "$pg_pid" >"$dir/pids" # down.sh stops it even if what follows fails
timeout 30 "$pgbin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -qAt -c 'CREATE DATABASE hydra' >/dev/null ||
	die "CREATE DATABASE failed"
dsn="postgres://postgres@127.0.0.1:$pg_port/hydra?sslmode=disable&max_conns=20&max_idle_conns=8"

# 2. Hydra --------------------------------------------------------------------
if [[ ! -x "$hydra" ]]; then
	say "building Ory Hydra (tools/hydra, about 70 s cold) into $hydra"
	mkdir -p "$(dirname "$hydra")"
	(cd "$root/tools/hydra" && timeout 900 go build -tags sqlite,sqlite_omit_load_extension \
		-ldflags "-X github.com/ory/hydra/v2/driver/config.Version=v2.3.0" \
		-o "$hydra" github.com/ory/hydra/v2) || die "building hydra failed"
fi

public_port=$(free_port "$pg_port") || die "no free port for Hydra"
admin_port=$(free_port "$pg_port" "$public_port") || die "no free port for Hydra"
issuer=http://127.0.0.1:$public_port
admin=http://127.0.0.1:$admin_port

# Every key is in the schema of Hydra v2.3.0 (.schema/config.schema.json).
cat >"$dir/hydra.yml" <<EOF
dsn: "$dsn"
log:
  level: warn
  leak_sensitive_values: false
serve:
  public: {host: 127.0.0.1, port: $public_port}
  admin: {host: 127.0.0.1, port: $admin_port}
urls:
  self:
    issuer: "$issuer"
  # tokenbench's hydra source answers login and consent through the admin
  # API; these only need to be redirect targets, never contacted.
  login: http://127.0.0.1:9/login
  consent: http://127.0.0.1:9/consent
secrets:
  system: ["$(random_hex 32)"]
oauth2:
  hashers:
    algorithm: pbkdf2
    pbkdf2: {iterations: 1000}   # default 25000: every token request would pay for it
ttl:
  auth_code: $code_ttl           # default 10m
  refresh_token: $refresh_ttl       # default 720h
EOF
chmod 600 "$dir/hydra.yml"

# Hydra reads every environment variable named like a config key (DSN, LOG_LEVEL,
# SERVE_PUBLIC_PORT, ...): run it with an empty environment.
hydra_env=(env -i "PATH=/usr/bin:/bin" "HOME=$dir" "TMPDIR=${TMPDIR:-/tmp}")

say "hydra migrate sql up"
timeout 120 "${hydra_env[@]}" "$hydra" migrate sql up -e --yes --config "$dir/hydra.yml" >"$dir/migrate.log" 2>&1 ||
	{ tail -n 20 "$dir/migrate.log" >&2; die "migrations failed"; }

say "hydra serve all --dev on $issuer (admin $admin)"
# setsid: Hydra survives the shell that started it (down.sh stops it by PID).
setsid "${hydra_env[@]}" "$hydra" serve all --dev --sqa-opt-out --config "$dir/hydra.yml" \
	>"$dir/hydra.log" 2>&1 </dev/null &
hydra_pid=$!
printf '%s\n%s\n' "$hydra_pid" "$pg_pid" >"$dir/pids"
wait_http "$admin/health/ready" 30 || die "Hydra not ready within 30 s"
wait_http "$issuer/.well-known/openid-configuration" 10 || die "Hydra's discovery does not answer"
# The issuer exactly as discovery states it (the ID token's iss).
issuer=$(curl -s --max-time 5 "$issuer/.well-known/openid-configuration" |
	sed -n 's/.*"issuer": *"\([^"]*\)".*/\1/p')
[[ -n "$issuer" ]] || die "no issuer in Hydra's discovery document"
echo "hydra pid $hydra_pid ($(awk '$1 == "github.com/ory/hydra/v2" {print $2}' "$root/tools/hydra/go.mod")), postgres pid $pg_pid, issuer $issuer"

# 3. Clients ------------------------------------------------------------------
secret_a=${HYDRA_CLIENT_SECRET:-"tb-a-$(random_hex 16)"}
secret_b=${HYDRA_CLIENT_B_SECRET:-"tb b+$(random_hex 8):c/d%e=$(random_hex 8)"}

create_client() { # ID SECRET [METHOD]: prints the client id Hydra registered
	local out
	out=$(timeout 30 "${hydra_env[@]}" "$hydra" create client --endpoint "$admin" --format json \
		--id "$1" --secret "$2" --name "tokenbench e2e $1" \
		--grant-type authorization_code,refresh_token,client_credentials --response-type code \
		--scope openid,offline,offline_access \
		--redirect-uri "$redirect_uri,$other_redirect_uri" \
		--token-endpoint-auth-method "${3:-client_secret_basic}") || die "hydra create client $1 failed: $out"
	sed -n 's/.*"client_id": *"\([^"]*\)".*/\1/p' <<<"$out" | head -n1
}
client_a=$(create_client tokenbench "$secret_a")
client_b=$(create_client tokenbench-b "$secret_b")
[[ -n "$client_a" && -n "$client_b" ]] || die "no client_id in hydra create client's output"
echo "clients $client_a and $client_b (client_secret_basic)"
secret_post="tb-post-$(random_hex 16)"
client_post=$(create_client tokenbench-post "$secret_post" client_secret_post)
[[ -n "$client_post" ]] || die "no client_id for the client_secret_post client"
# private_key_jwt: the client's jwks, its key made with openssl; the admin
# API, as the CLI takes no jwks. Its secret is registered too, never valid
# for authentication (AUTH-METHOD-BOUND).
creds=$dir/credentials
rm -rf "$creds" && mkdir -p "$creds"
e2e_rsa_key "$creds" tokenbench-jwt || die "openssl failed"
secret_jwt="tb-jwt-$(random_hex 16)"
out=$(curl -s --max-time 10 -X POST "$admin/admin/clients" -H 'Content-Type: application/json' -d @- <<EOF
{"client_id": "tokenbench-jwt", "client_secret": "$secret_jwt", "client_name": "tokenbench e2e tokenbench-jwt",
 "grant_types": ["authorization_code", "refresh_token", "client_credentials"], "response_types": ["code"], "scope": "openid offline offline_access",
 "redirect_uris": ["$redirect_uri", "$other_redirect_uri"], "token_endpoint_auth_method": "private_key_jwt",
 "token_endpoint_auth_signing_alg": "RS256", "jwks": {"keys": [$(e2e_jwk "$creds/tokenbench-jwt-pub.pem")]}}
EOF
)
grep -q '"client_id": *"tokenbench-jwt"' <<<"$out" || die "creating the private_key_jwt client failed: $out"
echo "clients $client_post (client_secret_post) and tokenbench-jwt (private_key_jwt)"

# 4. Target and environment -----------------------------------------------------
# Single quotes keep the secrets literal when sourced.
sq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
cat >"$dir/env" <<EOF
export TOKENBENCH_HYDRA_SECRET=$(sq "$secret_a")
export TOKENBENCH_HYDRA_B_SECRET=$(sq "$secret_b")
export TOKENBENCH_HYDRA_POST_SECRET=$(sq "$secret_post")
export TOKENBENCH_HYDRA_JWT_SECRET=$(sq "$secret_jwt")
EOF
chmod 600 "$dir/env"

cat >"$dir/target.yaml" <<EOF
# Ory Hydra v2.3.0 on loopback, written by e2e/hydra/up.sh.
issuer: "$issuer"
client:
  id: "$client_a"
  secret_env: TOKENBENCH_HYDRA_SECRET
second_client:
  id: "$client_b"
  secret_env: TOKENBENCH_HYDRA_B_SECRET   # has characters form-encoding changes (AUTH-BASIC-ENCODING)
redirect_uri: "$redirect_uri"
other_redirect_uri: "$other_redirect_uri"
# offline_access: Hydra issues a refresh token only when offline or
# offline_access is granted (the hydra source grants the requested scope).
scope: openid offline_access
profile: hydra
codes:
  source: hydra
  timeout: 20s
  # Default codes without PKCE: Hydra does not enforce it for confidential
  # clients, and the PKCE rows ask for a challenge themselves. With PKCE,
  # Hydra's failure to redeem a code once under concurrency
  # (CODE-SINGLE-USE-RACE) shows in about half the runs only; without, in
  # every run, so the expectation files can state it.
  pkce: "off"
  hydra:
    admin_url: "$admin"
expect:
  code_lifetime: $code_ttl                # ttl.auth_code in hydra.yml
  refresh_lifetime: $refresh_ttl             # ttl.refresh_token in hydra.yml
EOF
# The clients of the other methods: the same target, another client.
method_target() { # METHOD CLIENT-LINE...
	local method=$1
	shift
	{
		echo "# Ory Hydra v2.3.0 on loopback, a client registered for $method; written by e2e/hydra/up.sh."
		sed -n '/^issuer:/p' "$dir/target.yaml"
		echo "client:"
		printf '  %s\n' "$@"
		sed -n '/^second_client:/,$p' "$dir/target.yaml"
	} >"$dir/target-$method.yaml"
}
method_target private_key_jwt "id: tokenbench-jwt" "auth_method: private_key_jwt" \
	"key_file: credentials/tokenbench-jwt-key.pem" "secret_env: TOKENBENCH_HYDRA_JWT_SECRET"
method_target client_secret_post "id: \"$client_post\"" "auth_method: client_secret_post" "secret_env: TOKENBENCH_HYDRA_POST_SECRET"
printf '%s\n' "private_key_jwt !slow" "client_secret_post !slow" >"$dir/methods"

cat >"$dir/info" <<EOF
issuer=$issuer
admin=$admin
pg_port=$pg_port
client=$client_a
second_client=$client_b
EOF
say "ready: target $dir/target.yaml, secrets in $dir/env"
