package profiles

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tokenbench/tokenbench/internal/catalog"
	"github.com/tokenbench/tokenbench/internal/inputfile"
	"github.com/tokenbench/tokenbench/internal/yamlfile"
	"gopkg.in/yaml.v3"
)

//go:embed *.yaml
var shipped embed.FS

// ErrUnknown is returned for a profile name that is neither shipped nor a file.
var ErrUnknown = errors.New("unknown profile")

// Names lists the shipped profiles, sorted.
func Names() []string {
	entries, _ := fs.ReadDir(shipped, ".")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}

// Load returns the resolved profile for a shipped name ("bankid") or a path
// to a YAML file (anything containing a path separator or ending in .yaml).
// The chain of extends: is applied base first; the result is validated.
func Load(nameOrPath string) (*Profile, error) {
	var p Profile
	if err := load(nameOrPath, &p, nil); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// Source returns the YAML text of a shipped profile or a profile file.
func Source(nameOrPath string) (name string, data []byte, err error) {
	if isPath(nameOrPath) {
		data, err = inputfile.Read(nameOrPath, inputfile.MaxConfig)
		if err != nil {
			return "", nil, fmt.Errorf("profiles: %w", err)
		}
		return nameOrPath, data, nil
	}
	data, err = shipped.ReadFile(nameOrPath + ".yaml")
	if err != nil {
		return "", nil, fmt.Errorf("profiles: %w %q (shipped: %s)", ErrUnknown, nameOrPath, strings.Join(Names(), ", "))
	}
	return "profiles/" + nameOrPath + ".yaml", data, nil
}

func isPath(s string) bool {
	return strings.ContainsRune(s, '/') || strings.ContainsRune(s, filepath.Separator) || strings.HasSuffix(s, ".yaml") || strings.HasSuffix(s, ".yml")
}

// header is what load reads first, to find the base profile.
type header struct {
	Name    string `yaml:"name"`
	Extends string `yaml:"extends"`
}

func load(nameOrPath string, p *Profile, seen []string) error {
	for _, s := range seen {
		if s == nameOrPath {
			return fmt.Errorf("profiles: extends: cycle %s -> %s", strings.Join(seen, " -> "), nameOrPath)
		}
	}
	file, data, err := Source(nameOrPath)
	if err != nil {
		return err
	}
	var h header
	if err := yaml.Unmarshal(data, &h); err != nil {
		return fmt.Errorf("profiles: %w", yamlfile.Decode(file, data, &Profile{}))
	}
	if h.Extends != "" {
		base := h.Extends
		if isPath(base) && !filepath.IsAbs(base) && isPath(nameOrPath) {
			base = filepath.Join(filepath.Dir(nameOrPath), base)
		}
		if err := load(base, p, append(seen, nameOrPath)); err != nil {
			return err
		}
	}
	chain := p.Chain
	// Decoding onto the base overlays: scalars and lists given here replace
	// the base's, maps (rows, claims) merge key by key.
	if err := yamlfile.Decode(file, data, p); err != nil {
		return fmt.Errorf("profiles: %w", err)
	}
	if h.Name == "" {
		return fmt.Errorf("profiles: %s: name is required", file)
	}
	p.Chain = append(chain, p.Name)
	return nil
}

// Validate checks the values a YAML decoder cannot: enumerations, row IDs
// and levels. It returns every problem, not the first.
func (p *Profile) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("profiles: %s: field %q: %s", p.Name, field, fmt.Sprintf(format, args...)))
	}
	oneOf := func(field, v string, allowed ...string) {
		if v == "" {
			return
		}
		for _, a := range allowed {
			if v == a {
				return
			}
		}
		bad(field, "%q is not one of %s", v, strings.Join(allowed, ", "))
	}
	methods := []string{"client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt",
		"tls_client_auth", "self_signed_tls_client_auth", "none"}
	for _, m := range p.Auth.Methods {
		oneOf("auth.methods", m, methods...)
	}
	for _, m := range p.Auth.Interchangeable {
		oneOf("auth.interchangeable", m, methods...)
	}
	oneOf("auth.binding", p.Auth.Binding, BindingRegistered, BindingAny)
	for _, a := range p.Auth.Assertion.Audiences {
		oneOf("auth.assertion.audiences", a, AudienceTokenEndpoint, AudienceIssuer)
	}
	for _, a := range p.Auth.Assertion.Algs {
		oneOf("auth.assertion.algs", a, "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519", "HS256", "HS384", "HS512")
	}
	if p.Auth.Assertion.MaxLifetime < 0 {
		bad("auth.assertion.max_lifetime", "%s is negative", p.Auth.Assertion.MaxLifetime)
	}
	for _, s := range p.Auth.Missing.Status {
		if s < 400 || s > 499 {
			bad("auth.missing.status", "%d is not a 4xx status", s)
		}
	}
	oneOf("request.client_id_param", p.Request.ClientIDParam, "reject", "allow")
	oneOf("dpop.support", p.DPoP.Support, "none", "optional", "required")
	oneOf("authorize.nonce", p.Authorize.Nonce, "required", "optional")
	oneOf("pkce.support", p.PKCE.Support, "none", "optional", "required", "auto")
	for _, m := range p.PKCE.Methods {
		oneOf("pkce.methods", m, "S256", "plain")
	}
	oneOf("response.scope", p.Response.Scope, "required", "optional")
	oneOf("response.refresh_token", p.Response.RefreshToken, "forbidden", "optional", "required")
	oneOf("refresh.rotation", p.Refresh.Rotation, "required", "optional", "none")
	oneOf("refresh.reuse_revokes_family", p.Refresh.ReuseRevokesFamily, "required", "optional")
	oneOf("refresh.expires_in", p.Refresh.ExpiresIn, "sent", "absent")
	if p.Refresh.Lifetime < 0 || p.Refresh.ExpiryMargin < 0 {
		bad("refresh.lifetime", "lifetime %s and expiry_margin %s must not be negative", p.Refresh.Lifetime, p.Refresh.ExpiryMargin)
	}
	oneOf("id_token.azp", p.IDToken.Azp, "required", "multi_aud")
	oneOf("id_token.at_hash", p.IDToken.AtHash, "required", "optional")
	oneOf("id_token.auth_time", p.IDToken.AuthTime, "required", "optional")
	for _, alg := range p.IDToken.Algs {
		if alg == "none" {
			bad("id_token.algs", "%q is never acceptable for an ID token from the token endpoint", alg)
		}
	}
	for name, typ := range p.IDToken.Claims {
		oneOf("id_token.claims."+name, typ, "string", "number", "boolean", "array", "object", "date", "string_or_null", "string_or_array")
	}
	if p.Response.ExpiresIn < 0 {
		bad("response.expires_in", "%d is negative", p.Response.ExpiresIn)
	}
	if p.Code.RaceConcurrency < 0 || p.Code.RaceConcurrency > 1000 {
		bad("code.race_concurrency", "%d is not between 2 and 1000", p.Code.RaceConcurrency)
	}
	if p.Code.RaceRounds < 0 || p.Code.RaceRounds > 1000 {
		bad("code.race_rounds", "%d is not between 1 and 1000", p.Code.RaceRounds)
	}
	if p.IDToken.MaxAuthAge < 0 {
		bad("id_token.max_auth_age", "%s is negative", p.IDToken.MaxAuthAge)
	}
	if p.IDToken.Lifetime.Max != 0 && p.IDToken.Lifetime.Min > p.IDToken.Lifetime.Max {
		bad("id_token.lifetime", "min %s is above max %s", p.IDToken.Lifetime.Min, p.IDToken.Lifetime.Max)
	}
	ids := make([]string, 0, len(p.Rows))
	for id := range p.Rows {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		r := p.Rows[id]
		if _, ok := catalog.Lookup(id); !ok {
			bad("rows", "%q is not a catalogue row ID", id)
			continue
		}
		switch r.Level {
		case catalog.Must, catalog.Should, catalog.Info:
		case catalog.Skip:
			if strings.TrimSpace(r.Reason) == "" {
				bad("rows."+id, "a skipped row needs a reason")
			}
		default:
			bad("rows."+id+".level", "%q is not one of MUST, SHOULD, INFO, SKIP", r.Level)
		}
	}
	return errors.Join(errs...)
}
