package provider

import (
	"slices"
	"strings"
	"time"
)

// family is one chain of refresh tokens: every refresh token and access
// token descended from one authorization code (RFC 9700 §4.14.2). Revoking
// it revokes them all.
type family struct {
	clientID string
	code     string // the code it was issued from
	scope    string // the scope granted at authorize; every refresh token keeps it (RFC 6749 §6)
	authTime time.Time
	revoked  bool
	access   []string // access tokens issued in the family
}

// refreshToken is an issued refresh token.
type refreshToken struct {
	fam     *family
	expires time.Time
	rotated bool // rotated away: a newer token replaced it
}

// refreshStatus is the outcome of presenting a refresh token.
type refreshStatus int

const (
	refreshOK          refreshStatus = iota
	refreshUnknown                   // never issued (or swept)
	refreshRevoked                   // its family is revoked
	refreshExpired                   // past its lifetime
	refreshOtherClient               // issued to another client
	refreshReused                    // rotated away: a replay
	refreshWiderScope                // the requested scope exceeds the grant's
)

// refreshOptions switch the defects and variants that change a refresh.
type refreshOptions struct {
	rotate        bool // retire the presented token
	neverExpires  bool // refresh-never-expires
	notBound      bool // refresh-not-bound
	reuseAccepted bool // refresh-reuse-accepted: a rotated-away token works
	keepFamily    bool // refresh-reuse-keeps-family
	widen         bool // refresh-scope-widened
}

// addFamily links a new family to the code it was issued from; a family
// born after the code was reused is born revoked.
func (s *store) addFamily(f *family) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.codes[f.code]; g != nil {
		g.families = append(g.families, f)
		f.revoked = f.revoked || g.revoked && !g.keepFamilies
	}
}

// addRefresh records a refresh token of family f.
func (s *store) addRefresh(token string, f *family, expires time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refresh[token] = &refreshToken{fam: f, expires: expires}
}

// useRefresh checks a presented refresh token for clientID with the
// requested scope ("" = the grant's) and, when it is good and o.rotate,
// retires it, atomically. A rotated-away token revokes its family (RFC
// 9700 §4.14.2) unless o.keepFamily. It returns the family and a copy of
// it made under the lock.
//
// https://www.rfc-editor.org/rfc/rfc6749#section-6
func (s *store) useRefresh(token, clientID, scope string, now time.Time, o refreshOptions) (*family, family, refreshStatus) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.refresh[token]
	switch {
	case r == nil:
		return nil, family{}, refreshUnknown
	case r.fam.revoked:
		return nil, family{}, refreshRevoked
	case !now.Before(r.expires) && !o.neverExpires:
		return nil, family{}, refreshExpired
	case r.fam.clientID != clientID && !o.notBound:
		return nil, family{}, refreshOtherClient
	case r.rotated && !o.reuseAccepted:
		if !o.keepFamily {
			s.revokeFamily(r.fam)
		}
		return nil, family{}, refreshReused
	case scope != "" && !o.widen && !subsetOf(scope, r.fam.scope):
		return nil, family{}, refreshWiderScope
	}
	if o.rotate && !r.rotated {
		r.rotated = true
	}
	f := *r.fam
	f.access = nil
	return r.fam, f, refreshOK
}

// revokeFamily revokes a family and its access tokens. Called with s.mu held.
func (s *store) revokeFamily(f *family) {
	f.revoked = true
	for _, t := range f.access {
		if a := s.tokens[t]; a != nil {
			a.revoked = true
		}
	}
}

// subsetOf reports whether every scope token of a is in b (RFC 6749 §3.3).
func subsetOf(a, b string) bool {
	have := strings.Fields(b)
	for _, s := range strings.Fields(a) {
		if !slices.Contains(have, s) {
			return false
		}
	}
	return true
}
