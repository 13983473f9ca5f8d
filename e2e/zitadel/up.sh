#!/usr/bin/env bash
# Start zitadel/oidc v3's example OpenID Provider (tools/zitadel, built into
# .cache/bin/zitadel-op) on 127.0.0.1 as a tokenbench e2e target and write
# the target file for the form code source (the example's login page).
#
#   bash e2e/zitadel/up.sh     # then: source $E2E_WORK/zitadel/env
#   bash e2e/zitadel/down.sh   # stops it, by PID
#
# Writes into $E2E_WORK/zitadel (E2E_WORK default /tmp/tokenbench-e2e):
#   target.yaml  issuer, both clients, two redirect URIs, scope openid
#                offline_access, codes.source form
#   target-METHOD.yaml  the same for a client registered for
#                client_secret_post or private_key_jwt (its key made with
#                openssl in credentials/), and target-client_credentials.yaml
#                for the example's service user sid1 (client_credentials
#                only); methods: the runs of e2e/run.sh
#   env          the secrets as bash exports (TOKENBENCH_CLIENT_SECRET,
#                TOKENBENCH_SECOND_CLIENT_SECRET, ZITADEL_OP_PASSWORD)
#   info         issuer=URL
#   pids         "PID zitadel-op" of the server
#   zitadel-op.out, zitadel-op.err  the server's output
#
# Environment (all optional):
#   OP_CLIENT_SECRET, OP_CLIENT_B_SECRET  the clients' secrets (default:
#       random; the second with characters that RFC 6749 §2.3.1's
#       form-encoding of Basic credentials changes)
#   ZITADEL_OP_BIN  a zitadel-op binary to use instead of building one
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=e2e/lib.sh
source "$here/../lib.sh"
dir=$E2E_WORK/zitadel
bin=${ZITADEL_OP_BIN:-$E2E_ROOT/.cache/bin/zitadel-op}

say() { printf '== zitadel/up.sh: %s\n' "$*"; }
die() { echo "zitadel/up.sh: $*" >&2; exit 1; }

mkdir -p "$dir"
e2e_stop_pids "$dir" # what a previous run left
rm -rf "$dir/out-"* "$dir/load"

if [[ -z "${ZITADEL_OP_BIN:-}" ]]; then
	# Incremental: a second build is a cache hit (about 1 s); the first one
	# downloads the modules and takes about 20 s.
	say "go build -o .cache/bin/zitadel-op ./tools/zitadel (its own module)"
	(cd "$E2E_ROOT/tools/zitadel" && timeout 600 go build -o "$bin" .) || die "building tools/zitadel failed"
fi
[[ -x "$bin" ]] || die "no zitadel-op binary at $bin"

secret=${OP_CLIENT_SECRET:-"e2e-$(e2e_random 8)"}
secret_b=${OP_CLIENT_B_SECRET:-"e2e b+c:d/e%f=$(e2e_random 8)"}
secret_post="e2e-post-$(e2e_random 8)"
secret_jwt="e2e-jwt-$(e2e_random 8)"
creds=$dir/credentials
rm -rf "$creds" && mkdir -p "$creds"
e2e_rsa_key "$creds" tokenbench-jwt || die "openssl failed"
redirect_uri=http://127.0.0.1:9/callback # never contacted: the form source stops at the redirect
other_redirect_uri=http://127.0.0.1:9/other

issuer=$(OP_CLIENT_SECRET=$secret OP_CLIENT_B_SECRET=$secret_b OP_CLIENT_POST_SECRET=$secret_post OP_CLIENT_JWT_SECRET=$secret_jwt \
	e2e_start "$dir" zitadel-op "$bin" -port 0 -redirect-uri "$redirect_uri" -redirect-uri "$other_redirect_uri" \
	-post-client-id tokenbench-post -jwt-client-id tokenbench-jwt -jwt-public-key "$creds/tokenbench-jwt-pub.pem") ||
	die "the provider did not start"
say "issuer $issuer (pid $(awk '$2 == "zitadel-op" {print $1}' "$dir/pids"))"

{
	e2e_export TOKENBENCH_CLIENT_SECRET "$secret"
	e2e_export TOKENBENCH_SECOND_CLIENT_SECRET "$secret_b"
	# The example's user store: test-user@<issuer host>, password verysecure
	# (zitadel/oidc example/server/storage/user.go).
	e2e_export ZITADEL_OP_PASSWORD verysecure
	e2e_export TOKENBENCH_POST_CLIENT_SECRET "$secret_post"
	e2e_export TOKENBENCH_JWT_CLIENT_SECRET "$secret_jwt"
	# The example storage's service user, the one client it lets use
	# client_credentials (example/server/storage/storage.go serviceUsers:
	# sid1, secret verysecret, grant types client_credentials only).
	e2e_export TOKENBENCH_CC_CLIENT_SECRET verysecret
} >"$dir/env"
chmod 600 "$dir/env"
echo "issuer=$issuer" >"$dir/info"

cat >"$dir/target.yaml" <<EOF
# zitadel/oidc v3 example OP (tools/zitadel) on loopback, written by
# e2e/zitadel/up.sh.
issuer: "$issuer"
client:
  id: tokenbench
  secret_env: TOKENBENCH_CLIENT_SECRET
second_client:
  id: tokenbench-b
  secret_env: TOKENBENCH_SECOND_CLIENT_SECRET
redirect_uri: "$redirect_uri"
other_redirect_uri: "$other_redirect_uri"
scope: openid offline_access # offline_access: a refresh token (the client has the refresh_token grant)
codes:
  source: form
  timeout: 20s
  form:
    # /login/username: hidden id (the auth request), username, password.
    fields:
      username: test-user@127.0.0.1
      password_env: ZITADEL_OP_PASSWORD
EOF
# method_target METHOD CLIENT-LINE...: target.yaml for another client.
method_target() {
	local method=$1
	shift
	{
		echo "# zitadel/oidc v3 example OP (tools/zitadel) on loopback, a client registered for"
		echo "# $method; written by e2e/zitadel/up.sh."
		sed -n '/^issuer:/p' "$dir/target.yaml"
		echo "client:"
		printf '  %s\n' "$@"
		sed -n '/^second_client:/,$p' "$dir/target.yaml"
		echo "profile: zitadel"
	} >"$dir/target-$method.yaml"
}
# The example OP checks an assertion's aud against the issuer
# (pkg/op/verifier_jwt_profile.go), as the zitadel profile documents.
method_target private_key_jwt "id: tokenbench-jwt" "auth_method: private_key_jwt" \
	"key_file: credentials/tokenbench-jwt-key.pem" "assertion_audience: issuer" "secret_env: TOKENBENCH_JWT_CLIENT_SECRET"
method_target client_secret_post "id: tokenbench-post" "auth_method: client_secret_post" "secret_env: TOKENBENCH_POST_CLIENT_SECRET"
# The service user sid1 for the client credentials rows: it has no code
# flow (no redirect URI, no user), so its run is those rows alone and
# e2e/run.sh leaves out target check.
{
	echo "# zitadel/oidc v3 example OP (tools/zitadel) on loopback, the example storage's"
	echo "# service user sid1 (client_credentials only); written by e2e/zitadel/up.sh."
	sed -n '/^issuer:/p' "$dir/target.yaml"
	echo "client:"
	echo "  id: sid1"
	echo "  secret_env: TOKENBENCH_CC_CLIENT_SECRET"
	sed -n '/^redirect_uri:/,$p' "$dir/target.yaml"
	echo "profile: zitadel"
} >"$dir/target-client_credentials.yaml"
printf '%s\n' "private_key_jwt !slow" "client_secret_post !slow" "client_credentials /^area:client_credentials$/" >"$dir/methods"
say "wrote $dir/target.yaml, target-METHOD.yaml, methods and env"
