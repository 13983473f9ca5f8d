#!/usr/bin/env bash
# A private_key_jwt client assertion (RFC 7523 §3) built with openssl alone,
# for checking a provider's answers by hand with curl:
#
#   bash e2e/jwt-assertion.sh KEY.pem CLIENT_ID AUDIENCE [EXP_SECONDS] [JTI] [ISS]
#
# prints a compact JWS signed RS256 with the RSA key KEY.pem: iss ISS
# (default CLIENT_ID), sub CLIENT_ID, aud AUDIENCE, iat now, exp now +
# EXP_SECONDS (default 60; negative for an expired one; "none" for no exp),
# jti JTI (default random), kid the key's RFC 7638 thumbprint (node). Then:
#
#   curl -si URL -d grant_type=authorization_code -d code=CODE --data-urlencode redirect_uri=URI \
#     -d client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer \
#     --data-urlencode client_assertion=$(bash e2e/jwt-assertion.sh key.pem client aud)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=e2e/lib.sh
source "$here/lib.sh"
key=$1 client=$2 aud=$3 exp=${4:-60} jti=${5:-$(e2e_random 16)} iss=${6:-$2}
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
now=$(date +%s)
kid=$(e2e_jwk <(openssl pkey -in "$key" -pubout 2>/dev/null) | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s).kid))')
claims="\"iss\":\"$iss\",\"sub\":\"$client\",\"aud\":\"$aud\",\"jti\":\"$jti\",\"iat\":$now"
[[ "$exp" == none ]] || claims+=",\"exp\":$((now + exp))"
input="$(printf '{"alg":"RS256","kid":"%s","typ":"JWT"}' "$kid" | b64url).$(printf '{%s}' "$claims" | b64url)"
printf '%s.%s\n' "$input" "$(printf '%s' "$input" | openssl dgst -sha256 -sign "$key" | b64url)"
