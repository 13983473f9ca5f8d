#!/usr/bin/env bash
# Obtain one authorization code from the oidc-provider that
# e2e/node-oidc-provider/up.sh started, with curl alone: GET the
# authorization endpoint with a cookie jar, POST the devInteractions login
# form (prompt=login, login, password) to /interaction/UID, POST the consent
# form (prompt=consent) when it comes, stop at the redirect URI. Prints the
# code on stdout (and, with --pkce, the verifier on a second line). For
# checking tokenbench's findings by hand:
#
#   code=$(bash e2e/node-oidc-provider/curl-code.sh)
#   source $E2E_WORK/node-oidc-provider/env; issuer=$(sed -n 's/^issuer=//p' $E2E_WORK/node-oidc-provider/info)
#   curl -si -u "tokenbench-b:$TOKENBENCH_SECOND_CLIENT_SECRET" ... # the second client's secret has no reserved characters
#
# (The first client's secret has characters that must be form-urlencoded
# before they go into Basic, RFC 6749 §2.3.1: pass -H "Authorization: Basic
# $(printf '%s:%s' tokenbench "$(urlencode "$secret")" | base64 -w0)".)
#
# Options: --client ID (default tokenbench), --redirect-uri URI (default
# http://127.0.0.1:9/callback), --scope S (default openid), --prompt P
# (e.g. consent), --pkce, --issuer URL (default: up.sh's first server; the
# second one is in target-rotation.yaml).
set -euo pipefail

work=${E2E_WORK:-/tmp/tokenbench-e2e}
dir=$work/node-oidc-provider
[[ -f "$dir/info" ]] || { echo "curl-code.sh: no $dir/info: run e2e/node-oidc-provider/up.sh first" >&2; exit 2; }
issuer=$(sed -n 's/^issuer=//p' "$dir/info")

client=tokenbench
redirect_uri=http://127.0.0.1:9/callback
scope=openid
prompt=
pkce=
while (($#)); do
	case $1 in
	--client) client=$2; shift 2 ;;
	--redirect-uri) redirect_uri=$2; shift 2 ;;
	--scope) scope=$2; shift 2 ;;
	--prompt) prompt=$2; shift 2 ;;
	--pkce) pkce=1; shift ;;
	--issuer) issuer=$2; shift 2 ;;
	*) echo "curl-code.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

jar=$(mktemp)
page=$(mktemp)
trap 'rm -f "$jar" "$page"' EXIT
# c ARGS...: curl with the jar, printing where the answer redirects ("" for none).
c() { curl -sS --max-time 10 -b "$jar" -c "$jar" -o "$page" -w '%{redirect_url}' "$@"; }

state=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
args=(-G --data-urlencode response_type=code --data-urlencode "client_id=$client"
	--data-urlencode "redirect_uri=$redirect_uri" --data-urlencode "scope=$scope" --data-urlencode "state=$state")
[[ -z "$prompt" ]] || args+=(--data-urlencode "prompt=$prompt")
verifier=
if [[ -n "$pkce" ]]; then
	verifier=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n') # 64 hex characters: a valid RFC 7636 verifier
	challenge=$(printf '%s' "$verifier" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=')
	args+=(--data-urlencode "code_challenge=$challenge" --data-urlencode code_challenge_method=S256)
fi

next=$(c "${args[@]}" "$issuer/auth")
for _ in $(seq 10); do
	case $next in
	"$redirect_uri"\?*)
		code=$(sed -n 's/.*[?&]code=\([^&]*\).*/\1/p' <<<"$next")
		got_state=$(sed -n 's/.*[?&]state=\([^&]*\).*/\1/p' <<<"$next")
		[[ -n "$code" && "$got_state" == "$state" ]] || { echo "curl-code.sh: no code with the right state in the redirect" >&2; exit 1; }
		printf '%s\n' "$code"
		[[ -z "$verifier" ]] || printf '%s\n' "$verifier"
		exit 0
		;;
	"$issuer"/interaction/*)
		interaction=$next
		c "$interaction" >/dev/null # the page: which prompt it asks
		if grep -q 'name="prompt" value="login"' "$page"; then
			next=$(c -d prompt=login -d login=tokenbench-user -d password=x "$interaction")
		elif grep -q 'name="prompt" value="consent"' "$page"; then
			next=$(c -d prompt=consent "$interaction")
		else
			echo "curl-code.sh: $interaction is neither the login nor the consent page" >&2
			exit 1
		fi
		;;
	"")
		echo "curl-code.sh: no redirect; the answer was: $(head -c 300 "$page")" >&2
		exit 1
		;;
	*)
		next=$(c "$next")
		;;
	esac
done
echo "curl-code.sh: no redirect to $redirect_uri within 10 steps" >&2
exit 1
