package provider

import (
	"sync"
	"time"
)

// interaction is one login under way: the authorization request it answers
// and how far the user got.
type interaction struct {
	grant     *grant // without code, authTime or expiry yet
	state     string
	origin    string // the login page's
	otpOrigin string // the one-time-code iframe's
	expires   time.Time

	user     bool      // the user ID was right
	attempts int       // wrong one-time codes
	failed   bool      // too many wrong codes
	done     bool      // logged in
	at       time.Time // when
}

// logins holds the logins under way and the sessions. Safe for concurrent
// use; bounded: expired entries are dropped when room is needed.
type logins struct {
	mu       sync.Mutex
	pending  map[string]*interaction
	sessions map[string]session
}

type session struct{ authTime, expires time.Time }

func newLogins() *logins {
	return &logins{pending: map[string]*interaction{}, sessions: map[string]session{}}
}

// start records a new login; false when maxLogins are under way.
func (l *logins) start(id string, in *interaction, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.pending) >= maxLogins {
		for k, v := range l.pending {
			if now.After(v.expires) {
				delete(l.pending, k)
			}
		}
		if len(l.pending) >= maxLogins {
			return false
		}
	}
	in.expires = now.Add(loginTTL)
	l.pending[id] = in
	return true
}

// get returns a copy of a login under way.
func (l *logins) get(id string, now time.Time) (interaction, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	in, ok := l.pending[id]
	if !ok || now.After(in.expires) {
		return interaction{}, false
	}
	return *in, true
}

// update changes a login under way under the lock.
func (l *logins) update(id string, f func(*interaction)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if in, ok := l.pending[id]; ok {
		f(in)
	}
}

// finish removes a login and returns it: it ends once.
func (l *logins) finish(id string, now time.Time) (interaction, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	in, ok := l.pending[id]
	delete(l.pending, id)
	if !ok || now.After(in.expires) {
		return interaction{}, false
	}
	return *in, true
}

// addSession records a session of a user who logged in at authTime.
func (l *logins) addSession(id string, authTime, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.sessions) >= maxLogins {
		for k, s := range l.sessions {
			if now.After(s.expires) {
				delete(l.sessions, k)
			}
		}
		if len(l.sessions) >= maxLogins {
			clear(l.sessions) // the users log in again
		}
	}
	l.sessions[id] = session{authTime: authTime, expires: now.Add(sessionTTL)}
}

// session returns when the session's user logged in, if it is live.
func (l *logins) session(id string, now time.Time) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.sessions[id]
	if !ok || now.After(s.expires) {
		return time.Time{}, false
	}
	return s.authTime, true
}
