package target

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/tokenbench/tokenbench/internal/checks"
	"github.com/tokenbench/tokenbench/internal/codes"
	"github.com/tokenbench/tokenbench/internal/exchange"
)

// Trial is one valid exchange from start to end, the "is my setup right?"
// question of `tokenbench target check`: a code from the target's code
// source, redeemed with the valid token request, and the response
// validated under the profile. It is not a conformance verdict.
type Trial struct {
	Code     *codes.Code
	Exchange *exchange.Exchange
	// Results are the success checks' results, nil when no tokens came back.
	Results []checks.Result
}

// Try runs one Trial, waiting at most codeTimeout for the code. Its error
// is the code source's (bad input); a token endpoint that does not issue
// tokens is a Trial whose Succeeded is false.
func (t *Target) Try(ctx context.Context, codeTimeout time.Duration) (*Trial, error) {
	src, err := t.OpenCodes(CodeOptions{})
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, codeTimeout)
	code, err := src.Next(cctx)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("target: %s: obtaining a code: %w", t.Source, err)
	}
	tr := &Trial{Code: code}
	tr.Exchange = t.HTTP.Do(ctx, exchange.TokenRequest(t.TokenEndpoint, t.Auth, code.Value, code.RedirectURI, code.CodeVerifier))
	if tr.Succeeded() {
		tr.Results = checks.Validate(ctx, tr.Exchange, t.CheckContext(code), checks.Success())
	}
	return tr, nil
}

// Succeeded reports whether the token endpoint issued tokens: 200 with an
// access token.
func (tr *Trial) Succeeded() bool {
	return tr.Exchange.Status() == http.StatusOK && tr.Exchange.HasTokens()
}

// Tally is a Trial's check results counted by what they mean under the
// profile's levels.
type Tally struct {
	Passed, NotApplicable int
	// Failed counts the failed MUST rows, Warnings the failed SHOULD and
	// INFO rows and the MUST rows whose failures are all warnings.
	Failed, Warnings int
	Findings         []checks.Result // the failed results, in order
}

// Tally counts the Trial's results.
func (tr *Trial) Tally() Tally {
	var n Tally
	for _, r := range tr.Results {
		switch {
		case r.Passed():
			n.Passed++
		case !r.Failed():
			n.NotApplicable++
		case r.Warning():
			n.Warnings++
		default:
			n.Failed++
		}
		if r.Failed() {
			n.Findings = append(n.Findings, r)
		}
	}
	return n
}
