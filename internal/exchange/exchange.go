// Package exchange sends token endpoint requests exactly as described and
// records what was sent and what came back: the Exchange, the evidence every
// check, report and load figure is computed from.
//
// The client observes and never repairs: it does not follow redirects, retry,
// negotiate compression, try another authentication style or coerce types.
package exchange

import (
	"github.com/tokenbench/tokenbench/internal/jsonscan"

	"encoding/json"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Request is a request as it was sent.
type Request struct {
	Method string      `json:"method"`
	URL    string      `json:"url"`
	Header http.Header `json:"header"` // every header line sent, Host and Content-Length included
	Body   []byte      `json:"body,omitempty"`
}

// HeaderLine is one response header line as received, before Go's client
// canonicalised, merged or synthesised anything.
type HeaderLine struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Response is a response as it was received.
type Response struct {
	Status    int          `json:"status"`
	Proto     string       `json:"proto"`
	Header    http.Header  `json:"header"`     // as parsed by net/http
	RawHeader []HeaderLine `json:"raw_header"` // as on the wire; nil when not captured
	Body      []byte       `json:"body,omitempty"`
	Truncated bool         `json:"truncated,omitempty"` // the body was longer than the read limit
}

// Timings are the moments of one exchange. Scheduled is when the request was
// meant to be sent (the load runner's schedule); it equals Sent otherwise.
type Timings struct {
	Scheduled time.Time `json:"scheduled"`
	Sent      time.Time `json:"sent"`
	FirstByte time.Time `json:"first_byte"`
	Done      time.Time `json:"done"`
}

// Latency is the time from the scheduled send to the end of the body.
func (t Timings) Latency() time.Duration { return t.Done.Sub(t.Scheduled) }

// ServiceTime is the time from the actual send to the end of the body.
func (t Timings) ServiceTime() time.Duration { return t.Done.Sub(t.Sent) }

// Exchange is one request and what came back. Response is nil when the
// request failed at the transport (Err says why).
type Exchange struct {
	Probe    string    `json:"probe,omitempty"` // what the request was meant to test
	Request  Request   `json:"request"`
	Response *Response `json:"response,omitempty"`
	Err      error     `json:"-"`
	Timings  Timings   `json:"timings"`
	// NonceRetry is the exchange this one retried with a DPoP nonce: the
	// server answered it use_dpop_nonce (RFC 9449 §8). Nil otherwise.
	NonceRetry *Exchange `json:"-"`

	once    sync.Once
	members map[string]json.RawMessage
	jsonErr error
}

// Status returns the response status, or 0 when there is no response.
func (x *Exchange) Status() int {
	if x == nil || x.Response == nil {
		return 0
	}
	return x.Response.Status
}

// Header returns the first value of a response header as net/http parsed it.
func (x *Exchange) Header(name string) string {
	if x == nil || x.Response == nil {
		return ""
	}
	return x.Response.Header.Get(name)
}

// RawHeaderValues returns every value of a response header exactly as
// received on the wire (names compared case-insensitively). It falls back to
// the parsed header when the raw lines were not captured.
func (x *Exchange) RawHeaderValues(name string) []string {
	if x == nil || x.Response == nil {
		return nil
	}
	if x.Response.RawHeader == nil {
		return x.Response.Header.Values(name)
	}
	var out []string
	for _, l := range x.Response.RawHeader {
		if strings.EqualFold(l.Name, name) {
			out = append(out, l.Value)
		}
	}
	return out
}

// MediaType returns the response's media type, lower-cased, without parameters.
func (x *Exchange) MediaType() string {
	mt, _, err := mime.ParseMediaType(x.Header("Content-Type"))
	if err != nil {
		return ""
	}
	return mt
}

// Members returns the top-level members of a JSON object body, undecoded, so
// checks can see a member's JSON type. The error says why the body is not a
// JSON object. Safe for concurrent use.
func (x *Exchange) Members() (map[string]json.RawMessage, error) {
	x.once.Do(func() {
		if x.Response == nil {
			x.jsonErr = errNoResponse
		} else {
			x.members, x.jsonErr = parseObject(x.Response.Body)
		}
	})
	return x.members, x.jsonErr
}

// StringMember returns a top-level string member and whether it was a JSON
// string.
func (x *Exchange) StringMember(member string) (string, bool) {
	m, _ := x.Members()
	raw, ok := m[member]
	if !ok {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// Has reports whether the JSON body has the member (even if null).
func (x *Exchange) Has(member string) bool {
	m, _ := x.Members()
	_, ok := m[member]
	return ok
}

// HasTokens reports whether the response carries any token: the thing a
// negative probe must never get.
func (x *Exchange) HasTokens() bool {
	for _, k := range []string{"access_token", "id_token", "refresh_token"} {
		if s, _ := x.StringMember(k); s != "" {
			return true
		}
	}
	return false
}

// OAuthError returns the response's RFC 6749 §5.2 error code, or "".
func (x *Exchange) OAuthError() string {
	s, _ := x.StringMember("error")
	return s
}

type exchangeError string

func (e exchangeError) Error() string { return string(e) }

const (
	errNoResponse = exchangeError("exchange: no response")
	errNotObject  = exchangeError("exchange: body is not a JSON object")
)

// parseObject splits a JSON object into its members. A duplicated member
// keeps its last value (RFC 8259 leaves the choice open); jsonscan.ParseMembers
// reports duplicates to those who must see them.
func parseObject(body []byte) (map[string]json.RawMessage, error) {
	m, _, err := jsonscan.ParseMembers(body)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errNotObject
	}
	return m, nil
}
