#!/usr/bin/env bash
# Start panva's oidc-provider 9.13.3 (server.js, installed with npm ci from
# package-lock.json) on 127.0.0.1 as a tokenbench e2e target and write the
# target file for the form code source (its devInteractions login and
# consent pages).
#
#   bash e2e/node-oidc-provider/up.sh     # then: source $E2E_WORK/node-oidc-provider/env
#   bash e2e/node-oidc-provider/down.sh   # stops it, by PID
#
# Writes into $E2E_WORK/node-oidc-provider (E2E_WORK default /tmp/tokenbench-e2e):
#   target.yaml  issuer, both clients, two redirect URIs, scope openid
#                offline_access with prompt=consent, codes.source form,
#                expect.code_lifetime 10s
#   target-browser.yaml  the same with codes.source browser: headless
#                Chromium logs in and consents on the same pages
#   target-METHOD.yaml  the same for a client registered for METHOD
#                (client_secret_post, client_secret_jwt, private_key_jwt,
#                tls_client_auth, self_signed_tls_client_auth), its key or
#                certificate made with openssl in credentials/; dpop (a
#                DPoP-bound client with PKCE required) and fapi (the same
#                with private_key_jwt: FAPI 2.0-style)
#   methods      "METHOD LABEL-FILTER" per line: the conform runs e2e/run.sh
#                makes with the target-METHOD.yaml files
#   env          the secrets as bash exports (TOKENBENCH_CLIENT_SECRET,
#                TOKENBENCH_SECOND_CLIENT_SECRET, NODE_OP_PASSWORD)
#   info         issuer=URL
#   pids         "PID node" of the server
#   node.out, node.err  the server's output
#
# Environment (all optional):
#   OP_CLIENT_SECRET, OP_CLIENT_B_SECRET  the clients' secrets (default:
#       random; the first with characters that RFC 6749 §2.3.1's
#       form-encoding of Basic credentials changes)
#   OP_CODE_TTL   the authorization code lifetime in seconds (default 10, so
#                 that CODE-EXPIRES waits 12 s instead of the default 62)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=e2e/lib.sh
source "$here/../lib.sh"
dir=$E2E_WORK/node-oidc-provider
code_ttl=${OP_CODE_TTL:-10}
refresh_ttl=20 # the second server's refresh token lifetime, s: RT-EXPIRES waits 22 s

say() { printf '== node-oidc-provider/up.sh: %s\n' "$*"; }
die() { echo "node-oidc-provider/up.sh: $*" >&2; exit 1; }

command -v node >/dev/null || die "node is not installed"
command -v npm >/dev/null || die "npm is not installed"
[[ "$code_ttl" =~ ^[1-9][0-9]*$ ]] || die "OP_CODE_TTL=$code_ttl is not a positive number of seconds"

mkdir -p "$dir"
e2e_stop_pids "$dir" # what a previous run left
rm -rf "$dir/out-"* "$dir/load" "$dir/load-browser"

if [[ ! -f "$here/node_modules/oidc-provider/package.json" ]]; then
	say "npm ci (oidc-provider from package-lock.json)"
	(cd "$here" && timeout 300 npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
fi
say "node $(node --version), oidc-provider $(node -p 'require(process.argv[1]).version' "$here/node_modules/oidc-provider/package.json")"

secret=${OP_CLIENT_SECRET:-"e2e a+b:c/d%e=$(e2e_random 8)"}
secret_b=${OP_CLIENT_B_SECRET:-"e2e-b-$(e2e_random 8)"}
secret_post="e2e-post-$(e2e_random 8)"
secret_sjwt="e2e-sjwt-$(e2e_random 24)" # HS256 keys of at least 256 bits (RFC 7518 §3.2)
secret_jwt="e2e-jwt-$(e2e_random 8)"    # registered for the private_key_jwt client, never valid for it
secret_dpop="e2e-dpop-$(e2e_random 8)"
creds=$dir/credentials
rm -rf "$creds" && mkdir -p "$creds"
say "credentials with openssl: a CA, the mTLS listener's certificate, client certificates, an RSA key"
{ e2e_ca "$creds" && e2e_client_cert "$creds" tokenbench-tls && e2e_client_cert "$creds" tokenbench-sstls self &&
	e2e_rsa_key "$creds" tokenbench-jwt && e2e_rsa_key "$creds" tokenbench-fapi; } || die "openssl failed"
password="pw-$(e2e_random 8)" # devInteractions accepts any password; the form source still has to send one
redirect_uri=http://127.0.0.1:9/callback # never contacted: the form source stops at the redirect
other_redirect_uri=http://127.0.0.1:9/other

issuer=$(OP_CLIENT_SECRET=$secret OP_CLIENT_B_SECRET=$secret_b OP_CODE_TTL=$code_ttl \
	OP_REDIRECT_URI=$redirect_uri OP_OTHER_REDIRECT_URI=$other_redirect_uri \
	OP_CLIENT_POST_SECRET=$secret_post OP_CLIENT_SJWT_SECRET=$secret_sjwt OP_CLIENT_JWT_SECRET=$secret_jwt \
	OP_CLIENT_DPOP_SECRET=$secret_dpop \
	OP_JWT_PUBLIC_KEY=$creds/tokenbench-jwt-pub.pem OP_FAPI_PUBLIC_KEY=$creds/tokenbench-fapi-pub.pem OP_SSTLS_CERT=$creds/tokenbench-sstls.pem \
	OP_MTLS_CERT=$creds/server.pem OP_MTLS_KEY=$creds/server-key.pem OP_MTLS_CA=$creds/ca.pem \
	e2e_start "$dir" node node "$here/server.js" 0) || die "the provider did not start"
say "issuer $issuer (pid $(awk '$2 == "node" {print $1}' "$dir/pids"))"
# A second server.js, configured away from the defaults the
# node-oidc-provider profile documents (profile-second.yaml): the client
# "tokenbench-cc" registered for client_credentials alone, with
# features.clientCredentials on (target-client_credentials.yaml), and
# rotateRefreshToken: true, so that the reuse rows have a rotated-away
# refresh token to present, and refresh tokens that live 20 s, so that
# RT-EXPIRES runs (target-rotation.yaml: the first clients).
secret_cc="e2e-cc-$(e2e_random 8)"
second_issuer=$(OP_CLIENT_SECRET=$secret OP_CLIENT_B_SECRET=$secret_b OP_CODE_TTL=$code_ttl \
	OP_REDIRECT_URI=$redirect_uri OP_OTHER_REDIRECT_URI=$other_redirect_uri \
	OP_CLIENT_CC_SECRET=$secret_cc OP_ROTATE_REFRESH=1 OP_REFRESH_TTL=$refresh_ttl \
	e2e_start "$dir" server.js node "$here/server.js" 0) || die "the second provider did not start"
say "second issuer $second_issuer (pid $(awk '$2 == "server.js" {print $1}' "$dir/pids")): client credentials, refresh token rotation"

{
	e2e_export TOKENBENCH_CLIENT_SECRET "$secret"
	e2e_export TOKENBENCH_SECOND_CLIENT_SECRET "$secret_b"
	e2e_export NODE_OP_PASSWORD "$password"
	e2e_export TOKENBENCH_POST_CLIENT_SECRET "$secret_post"
	e2e_export TOKENBENCH_SJWT_CLIENT_SECRET "$secret_sjwt"
	e2e_export TOKENBENCH_JWT_CLIENT_SECRET "$secret_jwt"
	e2e_export TOKENBENCH_DPOP_CLIENT_SECRET "$secret_dpop"
	e2e_export TOKENBENCH_CC_CLIENT_SECRET "$secret_cc"
} >"$dir/env"
chmod 600 "$dir/env"
echo "issuer=$issuer" >"$dir/info"

# common: the target file's first part, the same for both code sources.
common() {
	cat <<EOF
# panva oidc-provider 9.13.3 (e2e/node-oidc-provider/server.js) on loopback,
# written by e2e/node-oidc-provider/up.sh.
issuer: "$issuer"
client:
  id: tokenbench
  secret_env: TOKENBENCH_CLIENT_SECRET
second_client:
  id: tokenbench-b
  secret_env: TOKENBENCH_SECOND_CLIENT_SECRET
redirect_uri: "$redirect_uri"
other_redirect_uri: "$other_redirect_uri"
# offline_access asks for a refresh token; oidc-provider keeps it only with
# prompt=consent (OIDC Core §11), which also shows the consent form every time.
scope: openid offline_access
expect:
  code_lifetime: ${code_ttl}s # server.js: ttl.AuthorizationCode from OP_CODE_TTL
EOF
}
{
	common
	cat <<EOF
codes:
  source: form
  timeout: 20s
  params:
    prompt: consent
  form:
    # devInteractions: a login form (login, password), then a consent form.
    fields:
      login: tokenbench-user
      password_env: NODE_OP_PASSWORD
EOF
} >"$dir/target.yaml"
{
	common
	cat <<EOF
codes:
  source: browser
  timeout: 60s
  params:
    # The browser keeps oidc-provider's session cookie from code to code:
    # prompt=login shows the login form every time all the same, so that
    # every code goes through the same steps.
    prompt: login consent
  browser:
    parallel: 2
    steps:
      # devInteractions in headless Chromium: the login form, then the
      # consent form (each found by its hidden prompt input).
      - fill: {"input[name=login]": "tokenbench-user", "input[name=password]": "env:NODE_OP_PASSWORD"}
      - click: "input[value=login] ~ button[type=submit]"
      - click: "input[value=consent] ~ button[type=submit]"
EOF
} >"$dir/target-browser.yaml"
# method_target METHOD PROFILE CLIENT-LINE...: target-METHOD.yaml, the
# target.yaml above for another client (a certificate in $client_cert for
# the TLS methods).
method_target() {
	local method=$1 profile=$2
	shift 2
	{
		echo "# panva oidc-provider 9.13.3 (e2e/node-oidc-provider/server.js) on loopback, as a"
		echo "# client registered for $method; written by e2e/node-oidc-provider/up.sh."
		echo "issuer: \"$issuer\""
		echo "client:"
		printf '  %s\n' "$@"
		echo "second_client:"
		echo "  id: tokenbench-b"
		echo "  secret_env: TOKENBENCH_SECOND_CLIENT_SECRET"
		echo "redirect_uri: \"$redirect_uri\""
		echo "other_redirect_uri: \"$other_redirect_uri\""
		echo "scope: openid offline_access"
		echo "profile: $profile"
		echo "tls:"
		echo "  ca_file: credentials/ca.pem # the mTLS listener's CA"
		if [[ -n "${client_cert:-}" ]]; then
			echo "  cert_file: credentials/$client_cert.pem"
			echo "  key_file: credentials/$client_cert-key.pem"
		fi
		echo "codes:"
		echo "  source: form"
		echo "  timeout: 20s"
		echo "  params:"
		echo "    prompt: consent"
		echo "  form:"
		echo "    fields:"
		echo "      login: tokenbench-user"
		echo "      password_env: NODE_OP_PASSWORD"
		echo "expect:"
		echo "  code_lifetime: ${code_ttl}s"
	} >"$dir/target-$method.yaml"
}
client_cert=
method_target private_key_jwt node-oidc-provider "id: tokenbench-jwt" "auth_method: private_key_jwt" \
	"key_file: credentials/tokenbench-jwt-key.pem" "secret_env: TOKENBENCH_JWT_CLIENT_SECRET"
method_target client_secret_post node-oidc-provider "id: tokenbench-post" "auth_method: client_secret_post" \
	"secret_env: TOKENBENCH_POST_CLIENT_SECRET"
method_target client_secret_jwt node-oidc-provider "id: tokenbench-sjwt" "auth_method: client_secret_jwt" \
	"secret_env: TOKENBENCH_SJWT_CLIENT_SECRET"
client_cert=tokenbench-tls
method_target tls_client_auth "$here/profile-mtls.yaml" "id: tokenbench-tls" "auth_method: tls_client_auth"
client_cert=tokenbench-sstls
method_target self_signed_tls_client_auth "$here/profile-mtls.yaml" "id: tokenbench-sstls" "auth_method: self_signed_tls_client_auth"
# DPoP: the client whose tokens must be DPoP-bound and who must use PKCE,
# with a proof (a fresh ES256 key) on every token request: target-dpop.yaml.
client_cert=
method_target dpop "$here/profile-dpop.yaml" "id: tokenbench-dpop" "secret_env: TOKENBENCH_DPOP_CLIENT_SECRET"
# FAPI 2.0-style: the client "tokenbench-fapi" authenticates with
# private_key_jwt, its tokens DPoP-bound, PKCE S256 required:
# target-fapi.yaml (the shape of a target file for such a provider).
method_target fapi "$here/profile-fapi.yaml" "id: tokenbench-fapi" "auth_method: private_key_jwt" \
	"key_file: credentials/tokenbench-fapi-key.pem"
for m in dpop fapi; do
	printf '%s\n' "dpop:" "  alg: ES256" >>"$dir/target-$m.yaml"
done
# The client credentials client on the second server: no code flow, so its
# run is the client credentials rows alone (e2e/run.sh: no target check).
cat >"$dir/target-client_credentials.yaml" <<EOF
# panva oidc-provider 9.13.3 (e2e/node-oidc-provider/server.js with
# features.clientCredentials) on loopback, the client tokenbench-cc
# (client_credentials only); written by e2e/node-oidc-provider/up.sh.
issuer: "$second_issuer"
client:
  id: tokenbench-cc
  secret_env: TOKENBENCH_CC_CLIENT_SECRET
redirect_uri: "$redirect_uri"
scope: openid
profile: $here/profile-second.yaml
codes:
  source: form
  form:
    fields:
      login: tokenbench-user
      password_env: NODE_OP_PASSWORD
EOF
# The refresh rows on the second server (every refresh rotates): target.yaml
# with its issuer and profile.
{
	sed -e "s|^issuer: .*|issuer: \"$second_issuer\"|" \
		-e "/^  code_lifetime:/a\\  refresh_lifetime: ${refresh_ttl}s # server.js: ttl.RefreshToken from OP_REFRESH_TTL" "$dir/target.yaml"
	echo "profile: $here/profile-second.yaml"
} >"$dir/target-rotation.yaml"
# The conform runs of the method targets: every row (the slow one left
# out), each valid exchange authenticated with the target's method.
printf '%s\n' "private_key_jwt !slow" "client_secret_post !slow" \
	"client_secret_jwt !slow" "tls_client_auth !slow" \
	"self_signed_tls_client_auth !slow" "dpop !slow" "fapi !slow" \
	'client_credentials /^area:client_credentials$/' 'rotation /^area:refresh$/' >"$dir/methods"
say "wrote $dir/target.yaml, target-browser.yaml, target-METHOD.yaml, methods and env"

