package provider

import (
	"context"
	"sync"
	"time"
)

// grant is what an authorization code stands for: the authorize request it
// answered, and what became of it.
type grant struct {
	clientID    string
	redirectURI string // as sent to the authorization endpoint
	scope       string // granted scope
	nonce       string
	hasNonce    bool
	challenge   string // code_challenge; "" = none
	plain       bool   // code_challenge_method plain (pkce-plain-accepted)
	authTime    time.Time
	expires     time.Time

	used    bool     // redeemed (successfully or not)
	revoked bool     // reused: tokens from this code are revoked
	tokens  []string // access tokens issued from this code

	families     []*family // refresh token families issued from this code
	keepFamilies bool      // refresh-survives-code-reuse: a reuse leaves them
}

// accessToken is an issued access token, as userinfo sees it.
type accessToken struct {
	clientID string
	code     string
	expires  time.Time
	revoked  bool
	jkt      string  // the DPoP key's thumbprint it is bound to, "" for Bearer
	fam      *family // the refresh token family it was issued in; nil for none
}

// store holds codes and access tokens in memory. Its methods are safe for
// concurrent use; every check-and-set happens under one mutex.
type store struct {
	mu      sync.Mutex
	codes   map[string]*grant
	tokens  map[string]*accessToken
	refresh map[string]*refreshToken
	inserts int // since the last sweep
}

func newStore() *store {
	return &store{codes: map[string]*grant{}, tokens: map[string]*accessToken{}, refresh: map[string]*refreshToken{}}
}

// sweepEvery is how many insertions pass between sweeps of dead entries.
const sweepEvery = 4096

// addCode records a new code. keepUnused keeps unused codes past their
// expiry (the code-never-expires defect needs them).
func (s *store) addCode(code string, g *grant, now time.Time, keep time.Duration, keepUnused bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[code] = g
	s.maybeSweep(now, keep, keepUnused)
}

// maybeSweep drops codes older than keep past their expiry (kept that long
// so that a late reuse still revokes the tokens issued from them) and
// expired access tokens. Called with s.mu held.
func (s *store) maybeSweep(now time.Time, keep time.Duration, keepUnused bool) {
	s.inserts++
	if s.inserts < sweepEvery {
		return
	}
	s.inserts = 0
	for c, g := range s.codes {
		if now.After(g.expires.Add(keep)) && (g.used || !keepUnused) {
			delete(s.codes, c)
		}
	}
	for t, a := range s.tokens {
		if now.After(a.expires) {
			delete(s.tokens, t)
		}
	}
	for t, r := range s.refresh {
		if now.After(r.expires.Add(keep)) {
			delete(s.refresh, t)
		}
	}
}

// redeemStatus is the outcome of looking up a code for redemption.
type redeemStatus int

const (
	redeemOK      redeemStatus = iota
	redeemUnknown              // never issued (or swept)
	redeemReused               // already redeemed
)

// redeemOptions switch the defects that change redemption.
type redeemOptions struct {
	reusable     bool          // code-reusable: a used code redeems again
	noRevoke     bool          // reuse-no-revoke: a reuse revokes nothing
	keepFamilies bool          // refresh-survives-code-reuse: a reuse leaves the refresh tokens
	window       time.Duration // code-race: time between the check and the mark
}

// redeem looks up code and marks it used, atomically unless opt.window > 0.
// A second redemption marks the code revoked and revokes every access token
// issued from it (RFC 6749 §4.1.2, RFC 9700 §4.2.4) unless opt.noRevoke.
// It returns a copy of the grant as it was before the mark.
//
// https://datatracker.ietf.org/doc/html/rfc6749#section-4.1.2
func (s *store) redeem(ctx context.Context, code string, opt redeemOptions) (grant, redeemStatus) {
	s.mu.Lock()
	g, ok := s.codes[code]
	if !ok {
		s.mu.Unlock()
		return grant{}, redeemUnknown
	}
	if g.used && !opt.reusable {
		if !opt.noRevoke {
			g.revoked = true
			for _, t := range g.tokens {
				if a := s.tokens[t]; a != nil {
					a.revoked = true
				}
			}
			g.keepFamilies = opt.keepFamilies
			for _, f := range g.families {
				if !opt.keepFamilies {
					s.revokeFamily(f)
				}
			}
		}
		s.mu.Unlock()
		return grant{}, redeemReused
	}
	snapshot := *g
	snapshot.tokens, snapshot.families = nil, nil
	if opt.window <= 0 {
		g.used = true
		s.mu.Unlock()
		return snapshot, redeemOK
	}
	// code-race: check now, mark later.
	s.mu.Unlock()
	holdFor(ctx, opt.window)
	s.mu.Lock()
	g.used = true
	s.mu.Unlock()
	return snapshot, redeemOK
}

// addToken records an access token issued from code. When the code has
// been revoked meanwhile (a concurrent reuse), the token is born revoked.
func (s *store) addToken(token string, a accessToken, now time.Time, keep time.Duration, keepUnused bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.codes[a.code]; g != nil && a.code != "" {
		g.tokens = append(g.tokens, token)
		if g.revoked {
			a.revoked = true
		}
	}
	if a.fam != nil {
		a.fam.access = append(a.fam.access, token)
		a.revoked = a.revoked || a.fam.revoked
	}
	s.tokens[token] = &a
	s.maybeSweep(now, keep, keepUnused)
}

// tokenValid reports whether an access token was issued, is not revoked and
// has not expired at now.
func (s *store) tokenValid(token string, now time.Time) bool {
	_, ok := s.tokenJKT(token, now)
	return ok
}

// tokenJKT reports whether an access token is valid at now, and the DPoP
// key thumbprint it is bound to ("" for a Bearer token).
func (s *store) tokenJKT(token string, now time.Time) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.tokens[token]
	if a == nil || a.revoked || (a.fam != nil && a.fam.revoked) || !now.Before(a.expires) {
		return "", false
	}
	return a.jkt, true
}
