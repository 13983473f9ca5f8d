#!/usr/bin/env bash
# Obtain one authorization code from the zitadel example OP that
# e2e/zitadel/up.sh started, with curl alone: GET the authorization
# endpoint, POST the login form (id, username, password), stop at the
# redirect URI. Prints the code on stdout (and, with --pkce, the verifier
# on a second line). For checking tokenbench's findings by hand:
#
#   code=$(bash e2e/zitadel/curl-code.sh)
#   source $E2E_WORK/zitadel/env; issuer=$(sed -n 's/^issuer=//p' $E2E_WORK/zitadel/info)
#   curl -si -u "tokenbench:$TOKENBENCH_CLIENT_SECRET" -d grant_type=authorization_code \
#        -d code="$code" --data-urlencode redirect_uri=http://127.0.0.1:9/callback "$issuer/oauth/token"
#
# (A secret with reserved characters must be form-urlencoded before it goes
# into Basic, RFC 6749 §2.3.1: the default first secret has none.)
#
# Options: --client ID (default tokenbench), --redirect-uri URI (default
# http://127.0.0.1:9/callback), --scope S (default openid), --pkce,
# --verifier V (PKCE with this verifier, valid or not: PKCE-VERIFIER-SYNTAX).
set -euo pipefail

work=${E2E_WORK:-/tmp/tokenbench-e2e}
dir=$work/zitadel
[[ -f "$dir/info" ]] || { echo "curl-code.sh: no $dir/info: run e2e/zitadel/up.sh first" >&2; exit 2; }
issuer=$(sed -n 's/^issuer=//p' "$dir/info")
host=${issuer#http://}
host=${host%%:*}

client=tokenbench
redirect_uri=http://127.0.0.1:9/callback
scope=openid
pkce=
verifier=
while (($#)); do
	case $1 in
	--client) client=$2; shift 2 ;;
	--redirect-uri) redirect_uri=$2; shift 2 ;;
	--scope) scope=$2; shift 2 ;;
	--pkce) pkce=1; shift ;;
	--verifier) pkce=1; verifier=$2; shift 2 ;;
	*) echo "curl-code.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

state=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
args=(-G --data-urlencode response_type=code --data-urlencode "client_id=$client"
	--data-urlencode "redirect_uri=$redirect_uri" --data-urlencode "scope=$scope" --data-urlencode "state=$state")
if [[ -n "$pkce" ]]; then
	[[ -n "$verifier" ]] || verifier=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n') # 64 hex characters: a valid RFC 7636 verifier
	challenge=$(printf '%s' "$verifier" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=')
	args+=(--data-urlencode "code_challenge=$challenge" --data-urlencode code_challenge_method=S256)
fi

# 1. The authorization request: a redirect to /login/username?authRequestID=ID.
login=$(curl -sS --max-time 10 -o /dev/null -w '%{redirect_url}' "${args[@]}" "$issuer/auth")
id=$(sed -n 's/.*[?&]authRequestID=\([^&]*\).*/\1/p' <<<"$login")
[[ -n "$id" ]] || { echo "curl-code.sh: the authorization request did not redirect to the login page (got '$login')" >&2; exit 1; }

# 2. The login form; its answer redirects to /authorize/callback?id=ID, which
#    redirects to the redirect URI with the code.
cb=$(curl -sS --max-time 10 -o /dev/null -w '%{redirect_url}' --data-urlencode "id=$id" \
	--data-urlencode "username=test-user@$host" --data-urlencode password=verysecure "$issuer/login/username")
[[ -n "$cb" ]] || { echo "curl-code.sh: the login form did not redirect (wrong password?)" >&2; exit 1; }
final=$(curl -sS --max-time 10 -o /dev/null -w '%{redirect_url}' "$cb")
code=$(sed -n 's/.*[?&]code=\([^&]*\).*/\1/p' <<<"$final")
got_state=$(sed -n 's/.*[?&]state=\([^&]*\).*/\1/p' <<<"$final")
[[ -n "$code" && "$got_state" == "$state" ]] || { echo "curl-code.sh: no code with the right state in the final redirect" >&2; exit 1; }
printf '%s\n' "$code"
[[ -z "$verifier" ]] || printf '%s\n' "$verifier"
