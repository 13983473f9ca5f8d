package runner

import (
	"strings"

	"github.com/tokenbench/tokenbench/internal/codes"
	"github.com/tokenbench/tokenbench/internal/exchange"
	"github.com/tokenbench/tokenbench/internal/redact"
)

// Load-path redaction.
//
// A load run registers nothing per exchange with the run's Redactor: its
// exchange client is Registering(nil), since registering the codes and
// tokens of thousands of requests a second would grow the registry without
// bound and slow every request. Codes are registered where the code source
// yields them (a map insert, bounded by redact.DefaultLimit), and the
// client secrets when the target resolves.
//
// The contract for any request path (this engine's, or a faster client's):
// the only text that goes from an exchange into a sample, and so into the
// result, is the outcome key; it is recorded through outcomeKey, which
// masks a provider-chosen key against the run's secrets and the exchange's
// own (its code, verifier and credentials, and every token in its
// response). Check failures are recorded as row IDs, never as text. The
// result as a whole goes through the Redactor's Walk before it is returned.

// outcomeKey returns the outcome to record for x, redeemed with code. Keys
// tokenbench chooses and registered error codes cost nothing; a key taken
// from the provider's answer is masked against the exchange's secrets.
func outcomeKey(red *redact.Redactor, x *exchange.Exchange, code *codes.Code, outcome string) string {
	if outcome == "ok" || red == nil || ownOutcome(outcome) {
		return outcome
	}
	own := x.Secrets()
	if code != nil {
		own = append(own, code.Value, code.CodeVerifier)
	}
	return red.With(own...).String(outcome)
}

// ownOutcome reports whether an outcome key is one tokenbench chooses
// (classify) or a registered error code: fixed words that hold no secret.
func ownOutcome(k string) bool {
	if registeredErrors[k] {
		return true
	}
	if d, ok := strings.CutPrefix(k, "http_"); ok && len(d) == 3 && strings.Trim(d, "0123456789x") == "" {
		return true
	}
	return false
}

// registeredErrors are the outcome keys classify chooses and the error
// codes of the OAuth registry that a token endpoint answers with.
//
// https://www.iana.org/assignments/oauth-parameters/oauth-parameters.xhtml#extensions-error
var registeredErrors = map[string]bool{
	"ok": true, "timeout": true, "connection_error": true, "code_error": true, "chain_start_error": true, "auth_error": true, "invalid_200": true,
	"invalid_request": true, "invalid_client": true, "invalid_grant": true, "unauthorized_client": true,
	"unsupported_grant_type": true, "invalid_scope": true, "server_error": true, "temporarily_unavailable": true,
	"access_denied": true, "invalid_token": true, "insufficient_scope": true, "invalid_target": true,
	"invalid_dpop_proof": true, "use_dpop_nonce": true, "authorization_pending": true, "slow_down": true,
	"expired_token": true, "invalid_client_metadata": true,
}
