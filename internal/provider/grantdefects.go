package provider

// Defect names of the refresh_token and client_credentials grants.
const (
	dRefreshNotIssued         = "refresh-not-issued"
	dRefreshNoStore           = "refresh-no-store"
	dRefreshNotRotated        = "refresh-not-rotated"
	dRefreshReuseAccepted     = "refresh-reuse-accepted"
	dRefreshReuseKeepsFamily  = "refresh-reuse-keeps-family"
	dRefreshNotBound          = "refresh-not-bound"
	dRefreshScopeWidened      = "refresh-scope-widened"
	dRefreshIDTOtherSub       = "refresh-idt-other-sub"
	dRefreshNeverExpires      = "refresh-never-expires"
	dRefreshSurvivesCodeReuse = "refresh-survives-code-reuse"
	dRefreshMissingWrongError = "refresh-missing-wrong-error"
	dRefreshUnknownWrongError = "refresh-unknown-wrong-error"
	dShortRefreshTokens       = "short-refresh-tokens"
	dCCNoStore                = "cc-no-store"
	dCCRefreshToken           = "cc-refresh-token"
	dCCIDToken                = "cc-id-token"
	dCCUnauthenticated        = "cc-unauthenticated-accepted"
	dDiscGrantsCodeOnly       = "disc-grants-code-only"
)

// grantDefects are the defects of the refresh_token and client_credentials
// grants: each run serves both grants (Defect.Grants).
func grantDefects() []Defect {
	return []Defect{
		{Name: dRefreshNotIssued, Rows: rows("RT-ISSUED", "RESP-NO-REFRESH"), Grants: true,
			Summary: "the code exchange returns no refresh token although the refresh_token grant is served; the rows that need one skip"},
		{Name: dRefreshNoStore, Rows: rows("RT-GRANT-OK"), Grants: true,
			Summary: "refresh responses have no Cache-Control header"},
		{Name: dRefreshNotRotated, Rows: rows("RT-ROTATION"), Grants: true,
			Summary: "a refresh returns the presented refresh token again, which stays valid"},
		{Name: dRefreshReuseAccepted, Rows: rows("RT-REUSE-REJECTED", "RT-REUSE-REVOKES-FAMILY"), Grants: true,
			Summary: "a rotated-away refresh token still works (and so revokes nothing): the family survives its reuse"},
		{Name: dRefreshReuseKeepsFamily, Rows: rows("RT-REUSE-REVOKES-FAMILY"), Grants: true,
			Summary: "a rotated-away refresh token is refused, but the newest token of its family and its access token stay valid"},
		{Name: dRefreshNotBound, Rows: rows("RT-BOUND-TO-CLIENT"), Grants: true,
			Summary: "a refresh token issued to one client can be used by another"},
		{Name: dRefreshScopeWidened, Rows: rows("RT-SCOPE-NO-WIDEN"), Grants: true,
			Summary: "a refresh may ask for scopes the original grant did not have, and gets them"},
		{Name: dRefreshIDTOtherSub, Rows: rows("RT-IDT-CONSISTENT"), Grants: true,
			Summary: "the refreshed ID token names another user (sub)"},
		{Name: dRefreshNeverExpires, Rows: rows("RT-EXPIRES"), Grants: true,
			Summary: "refresh tokens do not expire"},
		{Name: dRefreshSurvivesCodeReuse, Rows: rows("RT-REVOKED-ON-CODE-REUSE", "CODE-REUSE-REVOKES"), Grants: true,
			Summary: "a reused code revokes its access tokens but not the refresh tokens issued from it"},
		{Name: dRefreshMissingWrongError, Rows: rows("RT-MISSING"), Grants: true,
			Summary: "a refresh without refresh_token gets invalid_grant instead of invalid_request"},
		{Name: dRefreshUnknownWrongError, Rows: rows("RT-UNKNOWN"), Grants: true,
			Summary: "an unknown refresh token gets invalid_request instead of invalid_grant"},
		{Name: dShortRefreshTokens, Rows: rows("RT-ENTROPY"), Grants: true,
			Summary: "refresh tokens are 8 hex characters (32 bits)"},
		{Name: dCCNoStore, Rows: rows("CC-OK"), Grants: true,
			Summary: "client credentials responses have no Cache-Control header"},
		{Name: dCCRefreshToken, Rows: rows("CC-NO-REFRESH"), Grants: true,
			Summary: "client credentials responses carry a refresh token"},
		{Name: dCCIDToken, Rows: rows("CC-NO-ID-TOKEN"), Grants: true,
			Summary: "client credentials responses carry an ID token"},
		{Name: dCCUnauthenticated, Rows: rows("CC-UNAUTHENTICATED"), Grants: true,
			Summary: "a client credentials request without any client authentication gets a token (as the first client)"},
		{Name: dDiscGrantsCodeOnly, Rows: rows("DISC-GRANTS"), Grants: true,
			Summary: "discovery lists authorization_code as the only grant type, although refresh_token and client_credentials work"},
	}
}
