package catalog

// rows is the whole catalogue, in order.
var rows = append(coreRows, grantRows...)

// Grants rows apply under.
const (
	grantRefresh = "refresh_token"
	grantCC      = "client_credentials"
)

// grantRows transcribes shared/REQUIREMENTS.md's "Refresh tokens", "Client
// credentials" and DISC-GRANTS, and "Under load, continued"'s LOAD-REFRESH
// and LOAD-CC (load --grant).
var grantRows = []Row{
	{ID: "RT-ISSUED", Area: AreaRefresh, Level: Must, Source: "6749 §5.1; profile", Strength: "per profile",
		Probe:    "code exchange",
		Expected: "refresh_token present (VSCHAR string) when documented, absent when not (RESP-NO-REFRESH)", When: When{Grant: grantRefresh}},
	{ID: "RT-GRANT-OK", Area: AreaRefresh, Level: Must, Source: "6749 §6", Strength: "MUST",
		Probe:    "grant_type=refresh_token with the token and client authentication",
		Expected: "200, a new access token, all success-response rows hold", When: When{Grant: grantRefresh}},
	{ID: "RT-ROTATION", Area: AreaRefresh, Level: Must, Source: "9700 §4.14.2; OAuth 2.1 §4.3.1", Strength: "per profile",
		Probe:    "refresh",
		Expected: "a new refresh token, different from the old", When: When{Grant: grantRefresh}},
	{ID: "RT-REUSE-REJECTED", Area: AreaRefresh, Level: Must, Source: "9700 §4.14.2", Strength: "MUST when rotating",
		Probe:    "present a refresh token already rotated away",
		Expected: "400 invalid_grant", When: When{Grant: grantRefresh}},
	{ID: "RT-REUSE-REVOKES-FAMILY", Area: AreaRefresh, Level: Should, Source: "9700 §4.14.2", Strength: "SHOULD (MUST per profile)",
		Probe:    "after that reuse, the newest refresh token and its access token",
		Expected: "refused (invalid_grant; 401 at userinfo)", When: When{Grant: grantRefresh}},
	{ID: "RT-BOUND-TO-CLIENT", Area: AreaRefresh, Level: Must, Source: "6749 §6, §10.4", Strength: "MUST",
		Probe:    "another registered client's credentials",
		Expected: "400 invalid_grant (or 401 invalid_client)", When: When{Grant: grantRefresh}},
	{ID: "RT-SCOPE-NO-WIDEN", Area: AreaRefresh, Level: Must, Source: "6749 §6", Strength: "MUST",
		Probe:    "scope wider than the original grant",
		Expected: "400 invalid_scope, or tokens for no more than the original scope (§3.3: the extra scope ignored, named in scope)", When: When{Grant: grantRefresh}},
	{ID: "RT-SCOPE-NARROW", Area: AreaRefresh, Level: Info, Source: "6749 §6", Strength: "INFO",
		Probe:    "a narrower scope",
		Expected: "recorded: granted scope, or the error", When: When{Grant: grantRefresh}},
	{ID: "RT-IDT-CONSISTENT", Area: AreaRefresh, Level: Must, Source: "OIDC §12.2", Strength: "MUST",
		Probe:    "the refreshed ID token, when present",
		Expected: "valid signature; same iss, sub, aud, azp, auth_time; new iat", When: When{Grant: grantRefresh}},
	{ID: "RT-EXPIRES", Area: AreaRefresh, Level: Must, Source: "profile", Strength: "MUST when documented (slow)",
		Probe:    "wait the refresh lifetime plus margin",
		Expected: "400 invalid_grant", When: When{Grant: grantRefresh}},
	{ID: "RT-REVOKED-ON-CODE-REUSE", Area: AreaRefresh, Level: Should, Source: "6749 §4.1.2; 9700 §4.2.4", Strength: "SHOULD",
		Probe:    "redeem a code, reuse it, then refresh with the first refresh token",
		Expected: "invalid_grant", When: When{Grant: grantRefresh}},
	{ID: "RT-MISSING", Area: AreaRefresh, Level: Must, Source: "6749 §6, §5.2", Strength: "MUST",
		Probe:    "no refresh_token parameter",
		Expected: "400 invalid_request", When: When{Grant: grantRefresh}},
	{ID: "RT-UNKNOWN", Area: AreaRefresh, Level: Must, Source: "6749 §5.2", Strength: "MUST",
		Probe:    "a random refresh token",
		Expected: "400 invalid_grant", When: When{Grant: grantRefresh}},
	{ID: "RT-ENTROPY", Area: AreaRefresh, Level: Should, Source: "6749 §10.10", Strength: "SHOULD",
		Probe:    "refresh tokens of several exchanges",
		Expected: "≥ 128 bits estimated", When: When{Grant: grantRefresh}},
	{ID: "CC-OK", Area: AreaClientCC, Level: Must, Source: "6749 §4.4", Strength: "MUST when documented",
		Probe:    "grant_type=client_credentials",
		Expected: "200, access_token, token_type, headers as RESP-*", When: When{Grant: grantCC}},
	{ID: "CC-NO-REFRESH", Area: AreaClientCC, Level: Should, Source: "6749 §4.4.3", Strength: "SHOULD NOT (profile may promote)",
		Probe:    "same",
		Expected: "no refresh_token", When: When{Grant: grantCC}},
	{ID: "CC-NO-ID-TOKEN", Area: AreaClientCC, Level: Must, Source: "OIDC §3.1.3.3 (an ID token describes an end-user authentication)", Strength: "MUST",
		Probe:    "same",
		Expected: "no id_token", When: When{Grant: grantCC}},
	{ID: "CC-UNAUTHENTICATED", Area: AreaClientCC, Level: Must, Source: "6749 §4.4.2", Strength: "MUST",
		Probe:    "no client authentication",
		Expected: "401 invalid_client", When: When{Grant: grantCC}},
	{ID: "DISC-GRANTS", Area: AreaDiscovery, Level: Should, Source: "8414 §2; OIDC Discovery §3", Strength: "SHOULD",
		Probe:    "each grant in grant_types_supported that the harness can drive; one not listed",
		Expected: "listed ones work; unlisted ones are refused"},
	{ID: "LOAD-REFRESH", Area: AreaLoad, Level: Must, Source: "RT-*", Strength: "MUST",
		Probe:    "load --grant refresh_token: each request rotates a refresh chain (started by one code); --reuse-probes presents rotated-away tokens again",
		Expected: "every response validated (RT-ROTATION where rotation is required), and the code exchanges starting chains; a rotated-away token that still works counts as RT-REUSE-REJECTED", When: When{Grant: grantRefresh}},
	{ID: "LOAD-CC", Area: AreaLoad, Level: Must, Source: "CC-*", Strength: "MUST",
		Probe:    "load --grant client_credentials",
		Expected: "every response validated", When: When{Grant: grantCC}},
}
