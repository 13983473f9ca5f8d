// A real OpenID Provider for tokenbench's end-to-end check: panva's
// oidc-provider (OpenID Certified), configured with two confidential clients
// and the built-in development login form (devInteractions).
//
//   node server.js [PORT]          PORT from argv or $PORT; 0 (default) picks a free one
//
// The first line on stdout is `listening http://127.0.0.1:PORT`; the issuer is
// that URL. Everything else (the provider's notices and warnings, errors) goes
// to stderr. Binds 127.0.0.1 only. Stops on SIGTERM/SIGINT.
//
// Environment:
//   OP_CLIENT_SECRET     secret of client "tokenbench"   (default tokenbench-secret)
//   OP_CLIENT_B_SECRET   secret of client "tokenbench-b" (default tokenbench-b-secret)
//   OP_REDIRECT_URI      the clients' redirect URI       (default http://127.0.0.1:9/callback)
//   OP_OTHER_REDIRECT_URI a second registered redirect URI (default http://127.0.0.1:9/other)
//   OP_CODE_TTL          authorization code lifetime, s  (default 60, the provider's default)
//   OP_REFRESH_TTL       refresh token lifetime, s       (default: the provider's, 14 days)
//
// The clients of the other client authentication methods, each registered
// only when its credentials are given (token_endpoint_auth_method):
//   OP_CLIENT_POST_SECRET  "tokenbench-post", client_secret_post
//   OP_CLIENT_SJWT_SECRET  "tokenbench-sjwt", client_secret_jwt
//   OP_JWT_PUBLIC_KEY      "tokenbench-jwt", private_key_jwt: a PEM public key file (its
//                          jwks: the key with kid its RFC 7638 thumbprint); OP_CLIENT_JWT_SECRET
//                          its secret too (registered, never valid for authentication)
//   OP_MTLS_CERT, OP_MTLS_KEY, OP_MTLS_CA  the mTLS listener's certificate, key and the CA
//                          of client certificates: with them features.mTLS is on, an HTTPS
//                          listener on another 127.0.0.1 port asks for client certificates,
//                          and discovery names it in mtls_endpoint_aliases (RFC 8705 §5);
//                          "tokenbench-tls" (tls_client_auth, subject CN=tokenbench-tls) and,
//                          with OP_SSTLS_CERT (a self-signed certificate file),
//                          "tokenbench-sstls" (self_signed_tls_client_auth, its jwks x5c).
//
//   OP_CLIENT_CC_SECRET    "tokenbench-cc", client_secret_basic, grant_types
//                          [client_credentials] alone; with it features.clientCredentials
//                          is on (off by default) and discovery lists the grant
//   OP_ROTATE_REFRESH=1    rotateRefreshToken: true (every refresh rotates; the default
//                          rotates a confidential client's token only after 70 % of its
//                          lifetime), so that a rotated-away token can be presented again
//   OP_CLIENT_DPOP_SECRET  "tokenbench-dpop", client_secret_basic with
//                          dpop_bound_access_tokens (RFC 9449 §5.2: its tokens must be
//                          DPoP-bound) and PKCE required (pkce.required below)
//   OP_FAPI_PUBLIC_KEY     "tokenbench-fapi", FAPI 2.0-style: private_key_jwt (a PEM public
//                          key file, as for tokenbench-jwt), dpop_bound_access_tokens and
//                          PKCE required
//
// DPoP: features.dPoP is on by default in 9.13; here with a nonceSecret and
// requireNonce, so that every proof must carry the server's nonce (RFC 9449
// §8: the first proof of a run gets use_dpop_nonce and a DPoP-Nonce). A
// request without a proof is unaffected.
//
// PKCE: left at the provider's default, but for "tokenbench-dpop" and "tokenbench-fapi". In oidc-provider 9.13 pkce.required()
// is true only for public clients (token_endpoint_auth_method none) and under
// FAPI 2.0 (or FAPI 1.0 Final for PAR), so for these confidential clients PKCE
// is optional; S256 is supported and advertised in discovery
// (code_challenge_methods_supported), and a code_challenge sent is enforced
// at the token endpoint.
//
// Consent: loadExistingGrant grants scope openid automatically to a logged-in
// user for any of the clients, so after one login (the devInteractions form)
// an authorization request carrying the session cookies is answered with a
// direct 303 to the redirect URI with code, state and iss. Scopes beyond
// openid, and any request with prompt=consent, still go through the consent
// form.
//
// Refresh tokens: both clients may use the refresh_token grant, so that
// oidc-provider's default issueRefreshToken() issues one when the granted
// scope has offline_access (which it keeps only with prompt=consent).

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';

import Provider from 'oidc-provider';

// oidc-provider prints its NOTICEs with console.info (stdout): keep stdout
// for the listening line alone.
console.info = (...args) => console.error(...args);
console.log = (...args) => console.error(...args);

const portArg = process.argv[2] ?? process.env.PORT ?? '0';
const port = Number.parseInt(portArg, 10);
if (!Number.isInteger(port) || port < 0 || port > 65535 || String(port) !== String(portArg).trim()) {
  console.error(`server.js: bad port ${JSON.stringify(portArg)}`);
  process.exit(2);
}

const redirectUri = process.env.OP_REDIRECT_URI || 'http://127.0.0.1:9/callback';
const otherRedirectUri = process.env.OP_OTHER_REDIRECT_URI || 'http://127.0.0.1:9/other';
const codeTTL = Number.parseInt(process.env.OP_CODE_TTL || '60', 10);
const refreshTTL = Number.parseInt(process.env.OP_REFRESH_TTL || '0', 10);

// The test user: any login name given to the devInteractions form becomes
// the account id (sub); the claims are fixed.
function account(id) {
  return {
    accountId: id,
    async claims(use, scope) {
      return {
        sub: id,
        name: 'Test User',
        given_name: 'Test',
        family_name: 'User',
        preferred_username: id,
        email: `${id}@example.test`,
        email_verified: true,
        locale: 'en',
      };
    },
  };
}

// A fresh signing key per run (no development keystore).
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256' };

const server = http.createServer();
server.on('clientError', (err, socket) => socket.destroy());

// The RFC 7638 thumbprint of a public JWK: its kid.
function thumbprint(jwk) {
  const members = jwk.kty === 'RSA' ? { e: jwk.e, kty: jwk.kty, n: jwk.n } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return crypto.createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

// The DER of a PEM certificate, base64 (an x5c entry).
function der(pem) {
  return pem.replace(/-----(?:BEGIN|END) CERTIFICATE-----|\s/g, '');
}

// The clients that must use PKCE although confidential.
const pkceClients = new Set(['tokenbench-dpop', 'tokenbench-fapi']);

const mtlsOn = Boolean(process.env.OP_MTLS_CERT && process.env.OP_MTLS_KEY && process.env.OP_MTLS_CA);
const mtlsServer = mtlsOn ? https.createServer({
  cert: fs.readFileSync(process.env.OP_MTLS_CERT),
  key: fs.readFileSync(process.env.OP_MTLS_KEY),
  ca: fs.readFileSync(process.env.OP_MTLS_CA),
  requestCert: true,
  rejectUnauthorized: false, // the provider judges the certificate: features.mTLS below
}) : undefined;
mtlsServer?.on('clientError', (err, socket) => socket.destroy());

// The client certificate on the request's TLS connection, or undefined.
function peerCertificate(ctx) {
  const peer = ctx.socket?.getPeerCertificate?.();
  return peer?.raw ? new crypto.X509Certificate(peer.raw) : undefined;
}

server.listen(port, '127.0.0.1', async () => {
  const { port: actual } = server.address();
  const issuer = `http://127.0.0.1:${actual}`;
  let mtlsBase;
  if (mtlsServer) {
    await new Promise((resolve) => { mtlsServer.listen(0, '127.0.0.1', resolve); });
    mtlsBase = `https://127.0.0.1:${mtlsServer.address().port}`;
  }

  const client = (id, secret, method = 'client_secret_basic', extra = {}) => ({
    client_id: id,
    ...(secret ? { client_secret: secret } : {}),
    token_endpoint_auth_method: method,
    redirect_uris: [redirectUri, otherRedirectUri],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    ...extra,
  });
  const clients = [
    client('tokenbench', process.env.OP_CLIENT_SECRET || 'tokenbench-secret'),
    client('tokenbench-b', process.env.OP_CLIENT_B_SECRET || 'tokenbench-b-secret'),
  ];
  if (process.env.OP_CLIENT_POST_SECRET) {
    clients.push(client('tokenbench-post', process.env.OP_CLIENT_POST_SECRET, 'client_secret_post'));
  }
  const ccOn = Boolean(process.env.OP_CLIENT_CC_SECRET);
  if (ccOn) {
    clients.push(client('tokenbench-cc', process.env.OP_CLIENT_CC_SECRET, 'client_secret_basic',
      { grant_types: ['client_credentials'], response_types: [], redirect_uris: [] }));
  }
  if (process.env.OP_CLIENT_DPOP_SECRET) {
    clients.push(client('tokenbench-dpop', process.env.OP_CLIENT_DPOP_SECRET, 'client_secret_basic',
      { dpop_bound_access_tokens: true }));
  }
  if (process.env.OP_FAPI_PUBLIC_KEY) {
    const jwk = crypto.createPublicKey(fs.readFileSync(process.env.OP_FAPI_PUBLIC_KEY)).export({ format: 'jwk' });
    clients.push(client('tokenbench-fapi', undefined, 'private_key_jwt', {
      jwks: { keys: [{ ...jwk, kid: thumbprint(jwk), use: 'sig' }] },
      dpop_bound_access_tokens: true,
    }));
  }
  if (process.env.OP_CLIENT_SJWT_SECRET) {
    clients.push(client('tokenbench-sjwt', process.env.OP_CLIENT_SJWT_SECRET, 'client_secret_jwt'));
  }
  if (process.env.OP_JWT_PUBLIC_KEY) {
    const jwk = crypto.createPublicKey(fs.readFileSync(process.env.OP_JWT_PUBLIC_KEY)).export({ format: 'jwk' });
    clients.push(client('tokenbench-jwt', process.env.OP_CLIENT_JWT_SECRET, 'private_key_jwt',
      { jwks: { keys: [{ ...jwk, kid: thumbprint(jwk), use: 'sig' }] } }));
  }
  const clientAuthMethods = ['client_secret_basic', 'client_secret_jwt', 'client_secret_post', 'private_key_jwt', 'none'];
  if (mtlsOn) {
    clientAuthMethods.push('tls_client_auth', 'self_signed_tls_client_auth');
    clients.push(client('tokenbench-tls', undefined, 'tls_client_auth', { tls_client_auth_subject_dn: 'CN=tokenbench-tls' }));
    if (process.env.OP_SSTLS_CERT) {
      const pem = fs.readFileSync(process.env.OP_SSTLS_CERT, 'utf8');
      const jwk = new crypto.X509Certificate(pem).publicKey.export({ format: 'jwk' });
      clients.push(client('tokenbench-sstls', undefined, 'self_signed_tls_client_auth',
        // x5t#S256 is what lib/shared/client_auth.js matches the
        // presented certificate against.
        { jwks: { keys: [{ ...jwk, x5c: [der(pem)], 'x5t#S256': crypto.createHash('sha256').update(Buffer.from(der(pem), 'base64')).digest('base64url') }] } }));
    }
  }

  const provider = new Provider(issuer, {
    clients,
    clientAuthMethods,
    ...(mtlsBase ? { discovery: { mtls_endpoint_aliases: { token_endpoint: `${mtlsBase}/token` } } } : {}),
    jwks: { keys: [signingKey] },
    cookies: {
      keys: [crypto.randomBytes(32).toString('base64url')],
    },
    pkce: {
      // The default (9.13, lib/helpers/defaults.js pkceRequired): required
      // for public clients; and for tokenbench-dpop and tokenbench-fapi.
      required: (ctx, client) => client.clientAuthMethod === 'none' || pkceClients.has(client.clientId),
    },
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: ccOn },
      dPoP: {
        enabled: true,
        nonceSecret: crypto.randomBytes(32),
        requireNonce: () => true,
      },
      mTLS: {
        enabled: mtlsOn,
        tlsClientAuth: mtlsOn,
        selfSignedTlsClientAuth: mtlsOn,
        getCertificate: peerCertificate,
        certificateAuthorized: (ctx) => ctx.socket?.authorized === true,
        // The one registered property: tls_client_auth_subject_dn, a single
        // RDN (CN=...), which X509Certificate.subject writes the same way.
        certificateSubjectMatches: (ctx, property, expected) => property === 'tls_client_auth_subject_dn'
          && peerCertificate(ctx)?.subject === expected,
      },
    },
    claims: {
      openid: ['sub'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username', 'locale'],
      email: ['email', 'email_verified'],
    },
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    async findAccount(ctx, sub) {
      return account(sub);
    },
    // The default looks up the grant the session already holds for the
    // client; when there is none, grant openid on the spot (first-party
    // clients: no consent screen).
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) {
        const existing = await ctx.oidc.provider.Grant.find(grantId);
        if (existing) {
          return existing;
        }
      }
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid');
      await grant.save();
      return grant;
    },
    ...(process.env.OP_ROTATE_REFRESH === '1' ? { rotateRefreshToken: true } : {}),
    ttl: {
      AuthorizationCode: codeTTL,
      AccessToken: 3600,
      IdToken: 3600,
      Interaction: 3600,
      Session: 86400,
      Grant: 86400,
      // The default: 14 days (lib/helpers/defaults.js RefreshTokenTTL).
      ...(refreshTTL ? { RefreshToken: refreshTTL } : {}),
    },
    renderError(ctx, out, error) {
      ctx.type = 'json';
      ctx.body = out;
    },
  });

  provider.on('server_error', (ctx, err) => console.error('server_error:', err));
  provider.on('grant.error', (ctx, err) => console.error('grant.error:', err.name, err.message, err.error_description ?? ''));
  provider.on('authorization.error', (ctx, err) => console.error('authorization.error:', err.name, err.message, err.error_description ?? ''));

  server.on('request', provider.callback());
  mtlsServer?.on('request', provider.callback());
  process.stdout.write(`listening ${issuer}\n`);
  if (mtlsBase) {
    console.error(`mtls ${mtlsBase}`);
  }
});

server.on('error', (err) => {
  console.error(`server.js: ${err.message}`);
  process.exit(1);
});

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    server.close();
    server.closeAllConnections();
    mtlsServer?.close();
    mtlsServer?.closeAllConnections();
    process.exit(0);
  });
}
