// Check by hand what tokenbench reports for the FAPI 2.0-style client
// "tokenbench-fapi" (expect-fapi.yaml): private_key_jwt, DPoP, PKCE, each
// token request with its own code from curl-code.sh.
//
//   E2E_WORK=... node e2e/node-oidc-provider/fapi-check.js
//
// Prints one line per request: what was sent, the status, error and the
// headers that matter. Needs the provider up.sh started (its info file and
// credentials/tokenbench-fapi-key.pem); nothing is printed of a token, code,
// verifier, key or proof.
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { SignJWT, exportJWK, generateKeyPair } from 'jose';

const here = path.dirname(new URL(import.meta.url).pathname);
const dir = path.join(process.env.E2E_WORK || '/tmp/tokenbench-e2e', 'node-oidc-provider');
const issuer = fs.readFileSync(path.join(dir, 'info'), 'utf8').match(/^issuer=(.*)$/m)[1];
const tokenURL = `${issuer}/token`;
const clientKey = crypto.createPrivateKey(fs.readFileSync(path.join(dir, 'credentials/tokenbench-fapi-key.pem')));
const { privateKey: dpopKey, publicKey: dpopPub } = await generateKeyPair('ES256');
const dpopJWK = await exportJWK(dpopPub);

// code returns a fresh code and its verifier for tokenbench-fapi.
function code() {
  const out = execFileSync('bash', [path.join(here, 'curl-code.sh'), '--client', 'tokenbench-fapi', '--pkce', '--prompt', 'consent'],
    { env: { ...process.env, E2E_WORK: path.dirname(dir) }, encoding: 'utf8' });
  const [c, v] = out.trim().split('\n');
  return { code: c, verifier: v };
}

const assertion = () => new SignJWT({ jti: crypto.randomUUID() })
  .setProtectedHeader({ alg: 'RS256' }).setIssuer('tokenbench-fapi').setSubject('tokenbench-fapi')
  .setAudience(tokenURL).setIssuedAt().setExpirationTime('60s').sign(clientKey);

const proof = ({ iatOffset = 0, nonce } = {}) => new SignJWT({ htm: 'POST', htu: tokenURL, jti: crypto.randomUUID(), ...(nonce ? { nonce } : {}) })
  .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: dpopJWK }).setIssuedAt(Math.floor(Date.now() / 1000) + iatOffset).sign(dpopKey);

async function token(what, { c, verifier = c.verifier, dpop, clientAssertion }) {
  const body = new URLSearchParams({ grant_type: 'authorization_code', code: c.code, redirect_uri: 'http://127.0.0.1:9/callback',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: clientAssertion ?? await assertion() });
  if (verifier) body.set('code_verifier', verifier);
  const res = await fetch(tokenURL, { method: 'POST', body, headers: dpop ? { DPoP: dpop } : {} });
  const json = await res.json();
  console.log(`${what}: ${res.status} ${json.error ?? `token_type ${json.token_type}`}${json.error_description ? ` (${json.error_description})` : ''}`
    + `; pragma ${res.headers.get('pragma') ?? '(none)'}, cache-control ${res.headers.get('cache-control')}`);
  return { res, json };
}

const first = await token('proof without a nonce', { c: code(), dpop: await proof() });
const nonce = first.res.headers.get('dpop-nonce');
console.log(`  DPoP-Nonce given: ${Boolean(nonce)}`);
await token('proof with the nonce (valid)', { c: code(), dpop: await proof({ nonce }) });
await token('no DPoP proof', { c: code() });
await token('no code_verifier (PKCE required)', { c: code(), verifier: '', dpop: await proof({ nonce }) });
await token('iat 10 minutes old, no nonce', { c: code(), dpop: await proof({ iatOffset: -600 }) });
await token('iat 10 minutes old, the nonce', { c: code(), dpop: await proof({ iatOffset: -600, nonce }) });
await token('iat 10 minutes ahead, the nonce', { c: code(), dpop: await proof({ iatOffset: 600, nonce }) });
await token('iat 10 minutes old, a nonce never given', { c: code(), dpop: await proof({ iatOffset: -600, nonce: 'never-given' }) });
// A nonce retry with the client assertion of the first try: its jti again.
const c = code();
const a = await assertion();
await token('first try, no nonce', { c, dpop: await proof(), clientAssertion: a });
await token('retry with the nonce, the same client assertion', { c, dpop: await proof({ nonce }), clientAssertion: a });
