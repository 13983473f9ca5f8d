package catalog

import (
	"regexp"
	"strings"
)

// Ref is one cited source with a link.
type Ref struct {
	Text string // e.g. "RFC 6749 §5.2"
	URL  string
}

var (
	rfcRe  = regexp.MustCompile(`^(\d{4})((?:\s*§[\d.]+,?)*)`)
	oidcRe = regexp.MustCompile(`^OIDC((?:\s*§[\d.]+,?)*)`)
	secRe  = regexp.MustCompile(`§([\d.]+)`)
)

// oidcAnchors maps OIDC Core section numbers to their anchors.
var oidcAnchors = map[string]string{
	"2": "IDToken", "3.1.3.3": "TokenResponse", "3.1.3.6": "CodeIDToken",
	"3.1.3.7": "IDTokenValidation", "3.1.3.8": "CodeFlowTokenValidation",
	"5.1": "StandardClaims", "5.3.2": "UserInfoResponse", "9": "ClientAuthentication", "10.1": "Signing",
}

func parseRefs(src string) []Ref {
	var out []Ref
	for _, part := range strings.Split(src, ";") {
		part = strings.TrimSpace(part)
		switch {
		case part == "":
		case strings.HasPrefix(part, "OIDC Registration"):
			text := "OIDC Registration"
			if m := secRe.FindStringSubmatch(part); m != nil {
				text += " §" + m[1]
			}
			out = append(out, Ref{Text: text, URL: "https://openid.net/specs/openid-connect-registration-1_0.html#ClientMetadata"})
		case rfcRe.MatchString(part):
			m := rfcRe.FindStringSubmatch(part)
			secs := secRe.FindAllStringSubmatch(m[2], -1)
			if len(secs) == 0 {
				out = append(out, Ref{Text: "RFC " + m[1], URL: "https://www.rfc-editor.org/rfc/rfc" + m[1]})
			}
			for _, s := range secs {
				out = append(out, Ref{Text: "RFC " + m[1] + " §" + s[1], URL: "https://www.rfc-editor.org/rfc/rfc" + m[1] + "#section-" + s[1]})
			}
		case oidcRe.MatchString(part):
			for _, s := range secRe.FindAllStringSubmatch(part, -1) {
				u := "https://openid.net/specs/openid-connect-core-1_0.html"
				if a, ok := oidcAnchors[s[1]]; ok {
					u += "#" + a
				}
				out = append(out, Ref{Text: "OIDC Core §" + s[1], URL: u})
			}
		case strings.HasPrefix(part, "seed"):
			text := "provider document"
			if rest := strings.TrimSpace(strings.TrimPrefix(part, "seed")); rest != "" {
				text += " " + rest
			}
			out = append(out, Ref{Text: text})
		default:
			out = append(out, Ref{Text: part})
		}
	}
	return out
}
