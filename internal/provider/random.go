package provider

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"sync"
)

// lockedReader serialises reads from a reader that may not be safe for
// concurrent use (an injected deterministic source).
type lockedReader struct {
	mu sync.Mutex
	r  io.Reader
}

func (l *lockedReader) Read(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return io.ReadFull(l.r, b)
}

// randomBytes returns n bytes from the provider's random source.
func (p *Provider) randomBytes(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(p.rand, b); err != nil {
		return nil, fmt.Errorf("provider: reading randomness: %w", err)
	}
	return b, nil
}

// randomToken returns 32 random bytes, base64url without padding: the form
// of codes and access tokens (256 bits, RFC 6749 §10.10).
func (p *Provider) randomToken() (string, error) {
	b, err := p.randomBytes(32)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// randomHex returns n random bytes as lower-case hex.
func (p *Provider) randomHex(n int) (string, error) {
	b, err := p.randomBytes(n)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// chance reports true with probability f. A failing random source never
// reports true.
func (p *Provider) chance(f float64) bool {
	b, err := p.randomBytes(8)
	if err != nil {
		return false
	}
	// 53 random bits make a uniform float in [0, 1).
	u := float64(binary.BigEndian.Uint64(b)>>11) / (1 << 53)
	return u < f
}
