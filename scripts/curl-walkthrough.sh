#!/usr/bin/env bash
# The reference provider driven by curl alone (node only to check the RS256
# signature): authorize -> token with HTTP Basic -> ID token verified against
# the JWKS; a reused code gets invalid_grant; client_id in the body gets 400
# and no tokens. Exits non-zero on any deviation.
set -euo pipefail
bin=${1:-bin/tokenbench}
work=$(mktemp -d)
"$bin" serve --addr 127.0.0.1:0 >"$work/serve.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q '^listening ' "$work/serve.log" && break; sleep 0.05; done
base=$(sed -n 's/^listening //p' "$work/serve.log")
[ -n "$base" ] || { echo "serve did not start:"; cat "$work/serve.log"; exit 1; }
cb='http://127.0.0.1:9/callback'
cbq='http%3A%2F%2F127.0.0.1%3A9%2Fcallback'
fail() { echo "FAIL: $*"; exit 1; }

authorize() {
  local loc
  loc=$(curl -sS -o /dev/null -w '%{redirect_url}' \
    "$base/authorize?response_type=code&client_id=tokenbench&redirect_uri=$cbq&scope=openid&state=st-1&nonce=n-123")
  case "$loc" in "$cb?"*state=st-1*) ;; *) fail "authorize redirected to $loc";; esac
  sed -E 's/.*[?&]code=([^&]*).*/\1/' <<<"$loc"
}
token() { # code [extra curl args...]
  local code=$1; shift
  curl -sS -o "$work/body" -w '%{http_code}' -u tokenbench:tokenbench-secret \
    -d grant_type=authorization_code --data-urlencode "code=$code" --data-urlencode "redirect_uri=$cb" "$@" \
    "$base/oauth/token"
}

echo "1. authorize: GET $base/authorize?response_type=code&client_id=tokenbench&... -> 302 to the redirect URI with a code"
code=$(authorize)
echo "2. token: POST $base/oauth/token with HTTP Basic"
status=$(token "$code")
[ "$status" = 200 ] || fail "token status $status: $(cat "$work/body")"
node -e 'const b=JSON.parse(require("fs").readFileSync(process.argv[1])); console.log("   200:", Object.keys(b).join(", "), "| token_type", b.token_type, "| expires_in", b.expires_in)' "$work/body"
cp "$work/body" "$work/token.json"
echo "3. verify the ID token's RS256 signature against $base/jwks"
curl -sS "$base/jwks" >"$work/jwks.json"
node - "$work/token.json" "$work/jwks.json" "$base" <<'JS'
const fs = require('fs'), crypto = require('crypto');
const tok = JSON.parse(fs.readFileSync(process.argv[2]));
const jwks = JSON.parse(fs.readFileSync(process.argv[3]));
const [h, p, s] = tok.id_token.split('.');
const header = JSON.parse(Buffer.from(h, 'base64url'));
const claims = JSON.parse(Buffer.from(p, 'base64url'));
const jwk = jwks.keys.find(k => k.kid === header.kid);
if (!jwk || header.alg !== 'RS256') { console.error('no key for', header); process.exit(1); }
const ok = crypto.verify('RSA-SHA256', Buffer.from(h + '.' + p), crypto.createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s, 'base64url'));
if (!ok) { console.error('signature does not verify'); process.exit(1); }
if (claims.iss !== process.argv[4] || claims.aud !== 'tokenbench' || claims.nonce !== 'n-123') { console.error('claims', claims); process.exit(1); }
console.log(`   signature verifies with kid ${header.kid}; iss ${claims.iss}, aud ${claims.aud}, nonce ok, amr ${JSON.stringify(claims.amr)}`);
JS
echo "4. the same code again -> 400 invalid_grant"
status=$(token "$code")
[ "$status" = 400 ] && grep -q '"error":"invalid_grant"' "$work/body" || fail "reuse: $status $(cat "$work/body")"
echo "   $status $(cat "$work/body")"
echo "5. a fresh code with client_id in the body as well -> 400 invalid_request, no tokens"
code=$(authorize)
status=$(token "$code" -d client_id=tokenbench)
[ "$status" = 400 ] && grep -q '"error":"invalid_request"' "$work/body" && ! grep -q access_token "$work/body" || fail "client_id: $status $(cat "$work/body")"
echo "   $status $(cat "$work/body")"
echo "OK: curl walkthrough passed"
