#!/usr/bin/env bash
# Obtain one authorization code from the Hydra that e2e/hydra/up.sh started,
# with curl alone, the way tokenbench's hydra code source does: GET the
# authorization endpoint with a cookie jar, accept the login and the consent
# challenges through the admin API, stop at the redirect URI. Prints the
# code on stdout (and, with PKCE, the verifier on the second line). For
# checking tokenbench's findings by hand:
#
#   code=$(bash e2e/hydra/curl-code.sh)
#   source $E2E_WORK/hydra/env
#   curl -si -u "tokenbench:$TOKENBENCH_HYDRA_SECRET" -d grant_type=authorization_code \
#        -d code="$code" --data-urlencode redirect_uri=http://127.0.0.1:9/callback \
#        http://127.0.0.1:PORT/oauth2/token
#
# Options: --client ID (default tokenbench), --redirect-uri URI, --scope S
# (default openid), --pkce (send an S256 challenge; prints the verifier too).
set -euo pipefail

work=${E2E_WORK:-/tmp/tokenbench-e2e}
dir=$work/hydra
[[ -f "$dir/info" ]] || { echo "curl-code.sh: no $dir/info: run e2e/hydra/up.sh first" >&2; exit 2; }
issuer=$(sed -n 's/^issuer=//p' "$dir/info")
admin=$(sed -n 's/^admin=//p' "$dir/info")

client=tokenbench
redirect_uri=http://127.0.0.1:9/callback
scope=openid
pkce=
while (($#)); do
	case $1 in
	--client) client=$2; shift 2 ;;
	--redirect-uri) redirect_uri=$2; shift 2 ;;
	--scope) scope=$2; shift 2 ;;
	--pkce) pkce=1; shift ;;
	*) echo "curl-code.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

jar=$(mktemp)
trap 'rm -f "$jar"' EXIT
c() { curl -sS --max-time 10 -b "$jar" -c "$jar" "$@"; }
# location URL: GET URL, print where it redirects.
location() { c -o /dev/null -w '%{redirect_url}' "$1"; }
# redirect_to JSON: the redirect_to member, JSON-escaped \u0026 undone.
redirect_to() { sed -n 's/.*"redirect_to": *"\([^"]*\)".*/\1/p' | sed 's/\\u0026/\&/g'; }
param() { sed -n "s/.*[?&]$1=\([^&]*\).*/\1/p"; }

state=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
args=(-G --data-urlencode response_type=code --data-urlencode "client_id=$client"
	--data-urlencode "redirect_uri=$redirect_uri" --data-urlencode "scope=$scope" --data-urlencode "state=$state")
verifier=
if [[ -n "$pkce" ]]; then
	verifier=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
	challenge=$(printf '%s' "$verifier" | openssl dgst -binary -sha256 | base64 | tr '+/' '-_' | tr -d '=\n')
	args+=(--data-urlencode "code_challenge=$challenge" --data-urlencode code_challenge_method=S256)
fi

loc=$(c -o /dev/null -w '%{redirect_url}' "${args[@]}" "$issuer/oauth2/auth")
login_challenge=$(param login_challenge <<<"$loc")
[[ -n "$login_challenge" ]] || { echo "curl-code.sh: no login_challenge in the redirect" >&2; exit 1; }
next=$(c -X PUT -H 'Content-Type: application/json' -d '{"subject":"tokenbench-user","remember":false}' \
	"$admin/admin/oauth2/auth/requests/login/accept?login_challenge=$login_challenge" | redirect_to)
loc=$(location "$next")
consent_challenge=$(param consent_challenge <<<"$loc")
[[ -n "$consent_challenge" ]] || { echo "curl-code.sh: no consent_challenge in the redirect" >&2; exit 1; }
# Grant what was asked: requested_scope of the consent request.
requested=$(c "$admin/admin/oauth2/auth/requests/consent?consent_challenge=$consent_challenge" |
	sed -n 's/.*"requested_scope": *\(\[[^]]*\]\).*/\1/p')
next=$(c -X PUT -H 'Content-Type: application/json' -d "{\"grant_scope\":${requested:-[\"openid\"]},\"remember\":false}" \
	"$admin/admin/oauth2/auth/requests/consent/accept?consent_challenge=$consent_challenge" | redirect_to)
loc=$(location "$next")
[[ "$(param state <<<"$loc")" == "$state" ]] || { echo "curl-code.sh: state mismatch or no state in the redirect" >&2; exit 1; }
code=$(param code <<<"$loc")
[[ -n "$code" ]] || { echo "curl-code.sh: no code in the redirect ($(param error <<<"$loc"))" >&2; exit 1; }
echo "$code"
[[ -z "$verifier" ]] || echo "$verifier"
