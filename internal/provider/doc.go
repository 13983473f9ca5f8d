// Package provider is the reference OpenID Connect provider: a real provider
// on loopback that behaves exactly as the BankID token endpoint document
// (shared/seed/bankid-token-endpoint.txt) says, with discovery, JWKS, an
// authorization endpoint that auto-approves one test user, the token endpoint
// and userinfo.
//
// It is the oracle for the project's own tests. Every check must pass against
// the clean provider and fail against the Defect it exists to catch; Variants
// are behaviours that differ from the seed but stay within the standards, so
// every check must pass against them too. Defects apply to a configurable
// fraction of responses, so a load run can show that sampled validation finds
// them.
//
// Hostile modes (HostileModes) attack the harness instead: they echo the
// credentials a request sent back into headers and bodies, wrap token
// responses in a BOM, an XSSI prefix, trailing bytes, a form or an HTML
// page, or send 2,000 headers and 64 MiB; the harness must leak no secret
// and write no flood against any of them.
//
// For load benchmarks the token endpoint can add latency, fail a fraction of
// requests with 503, stall periodically, serve at most N requests at once, or
// (Fast) answer every POST with one pre-signed response.
//
// The provider never listens on anything but a loopback address and keeps all
// state in memory; it is not a production authorization server.
//
// https://datatracker.ietf.org/doc/html/rfc6749
// https://openid.net/specs/openid-connect-core-1_0.html
package provider
