package checks

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/tokenbench/tokenbench/internal/exchange"
)

// seedExchange reads the BankID document's example response (copied from
// shared/seed/bankid-token-endpoint.txt) as an Exchange.
func seedExchange(t testing.TB) *exchange.Exchange {
	t.Helper()
	data, err := os.ReadFile("testdata/bankid-token-response.http")
	if err != nil {
		t.Fatal(err)
	}
	head, body, ok := bytes.Cut(data, []byte("\n\n"))
	if !ok {
		t.Fatal("no blank line")
	}
	lines := strings.Split(string(head), "\n")
	status, err := strconv.Atoi(strings.Fields(lines[0])[1])
	if err != nil {
		t.Fatal(err)
	}
	resp := &exchange.Response{Status: status, Proto: "HTTP/1.1", Header: http.Header{}, Body: body}
	for _, l := range lines[1:] {
		name, value, _ := strings.Cut(l, ":")
		value = strings.TrimSpace(value)
		resp.Header.Add(name, value)
		resp.RawHeader = append(resp.RawHeader, exchange.HeaderLine{Name: name, Value: value})
	}
	return &exchange.Exchange{Response: resp}
}

func seedContext(t testing.TB) *Context {
	return &Context{
		Profile:  mustProfile(t, "bankid"),
		Issuer:   "https://preprod.bankidapis.no",
		ClientID: "Postman",
		Scope:    "openid",
		Now:      func() time.Time { return time.Unix(1495710576+5, 0) }, // 5 s after iat
	}
}

// TestSeedExample: the document's own example passes every success check
// that can be evaluated without the provider's key.
func TestSeedExample(t *testing.T) {
	t.Parallel()
	x := seedExchange(t)
	c := seedContext(t)
	ev := NewEvidence(t.Context(), x, c)
	if ev.IDToken == nil {
		t.Fatalf("seed id_token did not parse: %v", ev.IDTokenErr)
	}
	if ev.IDToken.Alg != "RS256" || ev.IDToken.Kid != "bankid-oauth" {
		t.Errorf("header: %v", ev.IDToken)
	}
	if sub, _ := ev.IDToken.StringClaim("sub"); sub != "9578-6000-4-30799" {
		t.Errorf("sub = %q", sub)
	}
	secrets := []string{"4497db915b5b479191c81a7854a2fa8", "Frode", "Nilsen", "1966-12-18", "kO95jBTHtjXnxJT"}
	skipped := []string{"IDT-KID", "IDT-SIGNATURE", "IDT-NONCE"}
	for _, r := range Evaluate(ev, c, Success(), nil) {
		want := pass
		if contains(skipped, r.ID) {
			want = skipIt
		}
		assertResult(t, r, want, secrets)
	}

	// An hour and a half later the token has expired.
	late := *c
	late.Now = func() time.Time { return time.Unix(1495710576+5400, 0) }
	assertResult(t, Validate(t.Context(), x, &late, []Check{mustCheck(t, "IDT-EXP")})[0], fails(ErrExpired, "exp"), secrets)

	// With a JWKS that has the kid but another key, the signature fails.
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := jwk.FromRaw(&other.PublicKey)
	_ = k.Set(jwk.KeyIDKey, "bankid-oauth")
	set := jwk.NewSet()
	_ = set.AddKey(k)
	keyed := *c
	keyed.Keys = NewStaticKeySet(set)
	res := Validate(t.Context(), seedExchange(t), &keyed, []Check{mustCheck(t, "IDT-KID"), mustCheck(t, "IDT-SIGNATURE")})
	assertResult(t, res[0], pass, secrets)
	assertResult(t, res[1], fails(ErrSignature, "signature"), secrets)
}

// TestSeedCodeEntropy: the document's example code is 31 hex characters,
// 124 bits, under RFC 6749 §10.10's 128.
func TestSeedCodeEntropy(t *testing.T) {
	t.Parallel()
	assertResult(t, Result{ID: "CODE-ENTROPY", Err: CodeEntropy([]string{"b860604adbf40f6c53a797290916771"}, 128)},
		fails(ErrLowEntropy, "code"), []string{"b860604adbf40f6c53a797290916771"})
}
