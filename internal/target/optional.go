package target

import (
	"fmt"
	"net/url"
)

// checkOptional holds an optional endpoint from discovery (one a row may
// use, such as introspection_endpoint, where the client authenticates) to
// the strict policy, whatever the target file allows for the endpoints it
// needs: https, or plain http on loopback; plain http only under an http
// issuer; the issuer's host.
func (t *Target) checkOptional(f *File, field, raw string) error {
	if err := t.checkURL("discovered "+field, raw, false); err != nil {
		return err
	}
	iss, err := url.Parse(f.Issuer)
	if err != nil || f.Issuer == "" {
		return fmt.Errorf("discovered %s %q: no issuer to hold it to", field, raw)
	}
	u, _ := url.Parse(raw) // checkURL parsed it
	switch {
	case iss.Scheme == "https" && u.Scheme != "https":
		return fmt.Errorf("discovered %s %q is plain http while the issuer %q uses https", field, raw, f.Issuer)
	case !sameHost(u, iss):
		return fmt.Errorf("discovered %s %q is on host %q, not the issuer's host %q", field, raw, u.Hostname(), iss.Hostname())
	}
	return nil
}
