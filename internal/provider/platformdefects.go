package provider

// platformDefects are the defects of the current BankID platform (run under
// bankid-v4) and of DPoP (run under oidc-dpop): the embedded provider
// follows the run's profile (Defect.Profile).
func platformDefects() []Defect {
	return []Defect{
		// The current BankID platform: runs under bankid-v4, which the
		// embedded provider then follows (ES256, 300 s, the v4 claims, the
		// refresh grant: a refreshed ID token has the defect too).
		{Name: dES256DER, Rows: rows("IDT-SIGNATURE", "RT-GRANT-OK", "RT-IDT-CONSISTENT"), Profile: "bankid-v4",
			Summary: "the ES256 ID token signature is ASN.1 DER-encoded (as crypto/ecdsa and X.509 make it) instead of R‖S (RFC 7518 §3.4)"},
		{Name: dPilotLifetime, Rows: rows("RESP-EXPIRES-IN", "IDT-LIFETIME"), Profile: "bankid-v4",
			Summary: "tokens live 3600 s as in the pilot (expires_in 3600, ID token exp - iat 3600) where the platform documents 300 s"},
		{Name: dPilotAMR, Rows: rows("IDT-AMR", "RT-GRANT-OK"), Profile: "bankid-v4",
			Summary: `amr is the pilot's ["BankID"] instead of the platform's lowercase values (bid, bid-mfa, ...)`},

		// DPoP: runs under oidc-dpop, which the embedded provider follows
		// (proofs checked, tokens bound), and the harness sends proofs.
		{Name: dDPoPTokenTypeBearer, Rows: rows("DPOP-OK", "RESP-TOKEN-TYPE", "IDT-USERINFO-SUB"), Profile: "oidc-dpop",
			Summary: "a token issued to a valid proof is DPoP-bound but its token_type says Bearer; presented as it says, at userinfo, it is refused"},
		{Name: dDPoPNonceNoHeader, Rows: rows("DPOP-NONCE"), Profile: "oidc-dpop",
			Summary: "proofs must carry the server's nonce; a proof with a stale nonce gets use_dpop_nonce without the DPoP-Nonce header that says which to use (RFC 9449 §8)"},
		{Name: dDPoPHTMUnchecked, Rows: rows("DPOP-HTM"), Profile: "oidc-dpop",
			Summary: "a proof's htm is not compared with the request's method"},
		{Name: dDPoPHTUUnchecked, Rows: rows("DPOP-HTU"), Profile: "oidc-dpop",
			Summary: "a proof's htu is not compared with the request's URL"},
		{Name: dDPoPIATUnchecked, Rows: rows("DPOP-IAT"), Profile: "oidc-dpop",
			Summary: "a proof's iat is not checked: a proof 10 minutes old or ahead is accepted"},
		{Name: dDPoPNonceUnverified, Rows: rows("DPOP-IAT"), Profile: "oidc-dpop",
			Summary: "proofs must carry a nonce, but any value is taken, and iat is not checked: a stale iat with a nonce the server never gave is accepted (RFC 9449 §4.3 checks 10, 11)"},
		{Name: dDPoPReplayOK, Rows: rows("DPOP-JTI-REPLAY"), Profile: "oidc-dpop",
			Summary: "a proof can be used again (jti not remembered)"},
		{Name: dDPoPSignatureUnchecked, Rows: rows("DPOP-SIGNATURE"), Profile: "oidc-dpop",
			Summary: "a proof's signature is not verified"},
		{Name: dDPoPTypUnchecked, Rows: rows("DPOP-TYP"), Profile: "oidc-dpop",
			Summary: "a proof's typ is not checked (typ JWT accepted)"},
		{Name: dDPoPPrivateKeyOK, Rows: rows("DPOP-PRIVATE-KEY"), Profile: "oidc-dpop",
			Summary: "a proof whose jwk carries the private key (d) is accepted"},
		{Name: dDPoPBoundAsBearer, Rows: rows("DPOP-BOUND"), Profile: "oidc-dpop",
			Summary: "userinfo accepts a DPoP-bound access token presented as Bearer, without a proof"},
		{Name: dDPoPJWTNoCnf, Rows: rows("DPOP-OK"), Profile: "oidc-dpop",
			Summary: "access tokens are JWTs (RFC 9068), and a DPoP-bound one has no cnf.jkt naming the proof's key (RFC 9449 §6.1): the binding is only in the server's store"},
	}
}
