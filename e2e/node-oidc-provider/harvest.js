// Harvests authorization codes from server.js (or any oidc-provider with
// devInteractions) headlessly: plain fetch with redirect: 'manual' and a
// cookie jar, logging in through the development login form and answering
// the consent form when one is shown.
//
//   node harvest.js [options] N          N codes, one JSON line each, then exit
//   node harvest.js [options] --forever  a code line whenever stdout can take one, until killed
//   node harvest.js [options] --session  log in once; print only the session cookies
//                                        as "NAME=VALUE; NAME2=VALUE2"
//
// A code line is tokenbench's command/file source format:
//   {"code", "redirect_uri", "nonce", "code_verifier", "client_id", "expires_at"}
// (code_verifier only with PKCE).
//
// Options (each also from the environment):
//   --issuer URL         OP_ISSUER        the provider (default http://127.0.0.1:$OP_PORT, else required)
//   --client-id ID       OP_CLIENT_ID     default tokenbench
//   --redirect-uri URI   OP_REDIRECT_URI  default http://127.0.0.1:9/callback
//   --scope S            OP_SCOPE         default openid
//   --login NAME         OP_LOGIN         the test user's login (default tokenbench-user)
//   --no-pkce            OP_PKCE=0        send no code_challenge (the provider does not
//                                         require PKCE for confidential clients; default: S256)
//   --code-ttl SECONDS   OP_CODE_TTL      the provider's code lifetime, for expires_at (default 60)
//   --timeout SECONDS                     per code (default 10)
//
// Every code after the first reuses the session: one GET of the authorization
// endpoint answered with a 303 straight to the redirect URI. Nothing secret is
// printed on stderr.

import * as crypto from 'node:crypto';

function usage(msg) {
  if (msg) console.error(`harvest.js: ${msg}`);
  console.error('usage: node harvest.js [--issuer URL] [--client-id ID] [--redirect-uri URI] [--scope S] [--login NAME] [--no-pkce] [--code-ttl S] [--timeout S] (N | --forever | --session)');
  process.exit(2);
}

const opts = {
  issuer: process.env.OP_ISSUER || (process.env.OP_PORT ? `http://127.0.0.1:${process.env.OP_PORT}` : ''),
  clientId: process.env.OP_CLIENT_ID || 'tokenbench',
  redirectUri: process.env.OP_REDIRECT_URI || 'http://127.0.0.1:9/callback',
  scope: process.env.OP_SCOPE || 'openid',
  login: process.env.OP_LOGIN || 'tokenbench-user',
  pkce: process.env.OP_PKCE !== '0',
  codeTTL: Number(process.env.OP_CODE_TTL || 60),
  timeout: 10,
  mode: '',
  count: 0,
};

{
  const args = process.argv.slice(2);
  const value = (i) => (i + 1 < args.length ? args[i + 1] : usage(`${args[i]} needs a value`));
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    switch (a) {
      case '--issuer': opts.issuer = value(i++); break;
      case '--client-id': opts.clientId = value(i++); break;
      case '--redirect-uri': opts.redirectUri = value(i++); break;
      case '--scope': opts.scope = value(i++); break;
      case '--login': opts.login = value(i++); break;
      case '--no-pkce': opts.pkce = false; break;
      case '--code-ttl': opts.codeTTL = Number(value(i++)); break;
      case '--timeout': opts.timeout = Number(value(i++)); break;
      case '--forever': opts.mode = 'forever'; break;
      case '--session': opts.mode = 'session'; break;
      case '-h': case '--help': usage(); break;
      default:
        if (/^[0-9]+$/.test(a) && !opts.mode) {
          opts.mode = 'count';
          opts.count = Number(a);
        } else {
          usage(`unexpected argument ${JSON.stringify(a)}`);
        }
    }
  }
  if (!opts.mode) usage('give N, --forever or --session');
  if (!opts.issuer) usage('no issuer: give --issuer or set OP_ISSUER');
  if (!(opts.timeout > 0) || !(opts.codeTTL > 0)) usage('--timeout and --code-ttl must be positive');
}

const rand = (n) => crypto.randomBytes(n).toString('base64url');

// ---- a small RFC 6265 cookie jar: host-only cookies, path-matched, expiring.

class Jar {
  #cookies = new Map(); // `${name}\0${path}` -> {name, value, path, expires}

  store(setCookies, url) {
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = defaultPath(url.pathname);
      let expires = Infinity;
      for (const attr of attrs) {
        const [k, ...v] = attr.split('=');
        const key = k.trim().toLowerCase();
        const val = v.join('=').trim();
        if (key === 'path' && val.startsWith('/')) path = val;
        else if (key === 'max-age' && /^-?[0-9]+$/.test(val)) expires = Date.now() + Number(val) * 1000;
        else if (key === 'expires' && expires === Infinity) {
          const t = Date.parse(val);
          if (!Number.isNaN(t)) expires = t;
        }
      }
      const k = `${name}\0${path}`;
      if (expires <= Date.now()) this.#cookies.delete(k);
      else this.#cookies.set(k, { name, value, path, expires });
    }
  }

  // matching returns the cookies for url, longer paths first (RFC 6265 §5.4).
  matching(url) {
    const now = Date.now();
    return [...this.#cookies.values()]
      .filter((c) => c.expires > now && pathMatches(url.pathname, c.path))
      .sort((a, b) => b.path.length - a.path.length);
  }

  header(url) {
    return this.matching(url).map((c) => `${c.name}=${c.value}`).join('; ');
  }
}

function defaultPath(p) {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

function pathMatches(reqPath, cookiePath) {
  if (reqPath === cookiePath) return true;
  if (!reqPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || reqPath[cookiePath.length] === '/';
}

// ---- HTTP with the jar, never following redirects.

async function request(jar, url, { method = 'GET', form, signal } = {}) {
  const headers = { accept: 'text/html,application/json' };
  const cookie = jar.header(url);
  if (cookie) headers.cookie = cookie;
  let body;
  if (form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(form).toString();
  }
  const res = await fetch(url, { method, headers, body, redirect: 'manual', signal });
  jar.store(res.headers.getSetCookie(), url);
  const text = await res.text();
  return { status: res.status, location: res.headers.get('location'), type: res.headers.get('content-type') || '', text };
}

const isRedirect = (s) => s === 302 || s === 303 || s === 307;

function sameEndpoint(a, b) {
  return a.protocol === b.protocol && a.host === b.host && a.pathname === b.pathname;
}

function hiddenPrompt(html) {
  const m = /name="prompt"\s+value="([^"]+)"/.exec(html);
  return m ? m[1] : '';
}

function formAction(html, base) {
  const m = /<form[^>]*\baction="([^"]+)"/.exec(html);
  return m ? new URL(m[1].replace(/&amp;/g, '&'), base) : null;
}

// obtain sends one authorization request and walks the provider's
// interactions (login form, consent form) until it redirects to the redirect
// URI. It returns the code line.
async function obtain(jar, authorizationEndpoint) {
  const signal = AbortSignal.timeout(opts.timeout * 1000);
  const state = rand(16);
  const nonce = rand(16);
  const auth = new URL(authorizationEndpoint);
  const q = auth.searchParams;
  q.set('response_type', 'code');
  q.set('client_id', opts.clientId);
  q.set('redirect_uri', opts.redirectUri);
  q.set('scope', opts.scope);
  q.set('state', state);
  q.set('nonce', nonce);
  let verifier;
  if (opts.pkce) {
    verifier = rand(32); // 43 characters (RFC 7636 §4.1)
    q.set('code_challenge', crypto.createHash('sha256').update(verifier).digest('base64url'));
    q.set('code_challenge_method', 'S256');
  }
  const redirect = new URL(opts.redirectUri);

  let url = auth;
  let res = await request(jar, url, { signal });
  for (let step = 0; step < 20; step++) {
    if (isRedirect(res.status)) {
      if (!res.location) throw new Error(`${res.status} without Location from ${url.pathname}`);
      const next = new URL(res.location, url);
      if (sameEndpoint(next, redirect)) {
        const p = next.searchParams;
        if (p.get('error')) {
          throw new Error(`the provider redirected with error ${p.get('error')}: ${p.get('error_description') || ''}`);
        }
        if (p.get('state') !== state) throw new Error('the redirect carries the wrong state');
        const code = p.get('code');
        if (!code) throw new Error('the redirect carries no code');
        const line = { code, redirect_uri: opts.redirectUri, nonce };
        if (verifier) line.code_verifier = verifier;
        line.client_id = opts.clientId;
        line.expires_at = new Date(Date.now() + opts.codeTTL * 1000).toISOString();
        return line;
      }
      url = next;
      res = await request(jar, url, { signal });
      continue;
    }
    if (res.status === 200 && res.type.startsWith('text/html')) {
      const prompt = hiddenPrompt(res.text);
      const action = formAction(res.text, url);
      if (!action || !prompt) throw new Error(`a page without the devInteractions form at ${url.pathname}`);
      let form;
      if (prompt === 'login') form = { prompt: 'login', login: opts.login, password: 'x' };
      else if (prompt === 'consent') form = { prompt: 'consent' };
      else throw new Error(`unknown interaction prompt ${JSON.stringify(prompt)}`);
      url = action;
      res = await request(jar, url, { method: 'POST', form, signal });
      continue;
    }
    throw new Error(`status ${res.status} (${res.type}) at ${url.pathname}: ${res.text.slice(0, 200)}`);
  }
  throw new Error('more than 20 steps without reaching the redirect URI');
}

async function discover() {
  const u = new URL(`${opts.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
  const res = await fetch(u, { signal: AbortSignal.timeout(opts.timeout * 1000) });
  if (res.status !== 200) throw new Error(`discovery ${u}: status ${res.status}`);
  const d = await res.json();
  if (!d.authorization_endpoint) throw new Error(`discovery ${u}: no authorization_endpoint`);
  return d.authorization_endpoint;
}

// write prints a line and waits until it is flushed to the pipe (so
// --forever never runs ahead of its reader by more than one pipe buffer).
function write(line) {
  return new Promise((resolve, reject) => {
    process.stdout.write(`${line}\n`, (err) => (err ? reject(err) : resolve()));
  });
}

process.stdout.on('error', (err) => {
  // The reader went away (EPIPE): that is how --forever normally ends.
  process.exit(err.code === 'EPIPE' ? 0 : 1);
});
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => process.exit(0));

async function main() {
  const endpoint = await discover();
  const jar = new Jar();
  if (opts.mode === 'session') {
    await obtain(jar, endpoint); // logs in (and consents if asked); the code is discarded
    const session = jar.matching(new URL(endpoint)).filter((c) => c.path === '/');
    if (session.length === 0) throw new Error('no session cookie after logging in');
    await write(session.map((c) => `${c.name}=${c.value}`).join('; '));
    return;
  }
  for (let n = 0; opts.mode === 'forever' || n < opts.count; n++) {
    const line = await obtain(jar, endpoint);
    await write(JSON.stringify(line));
  }
}

main().then(() => process.exit(0), (err) => {
  console.error(`harvest.js: ${err.message}`);
  process.exit(1);
});
