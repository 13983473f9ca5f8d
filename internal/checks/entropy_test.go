package checks

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"strings"
	"testing"
)

func randomCodes(n int, gen func() string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = gen()
	}
	return out
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func TestEstimateEntropyBits(t *testing.T) {
	t.Parallel()
	uuid := func() string {
		b := randBytes(16)
		b[6] = b[6]&0x0f | 0x40
		b[8] = b[8]&0x3f | 0x80
		h := hex.EncodeToString(b)
		return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
	}
	digits := func(n int) func() string {
		return func() string {
			var sb strings.Builder
			for _, c := range randBytes(n) {
				sb.WriteByte('0' + c%10)
			}
			return sb.String()
		}
	}
	cases := []struct {
		name     string
		codes    []string
		min, max float64
	}{
		{"none", nil, 0, 0},
		{"bankid's example: 31 hex", []string{"b860604adbf40f6c53a797290916771"}, 124, 124},
		{"32 hex, 20 codes", randomCodes(20, func() string { return hex.EncodeToString(randBytes(16)) }), 128, 128},
		{"upper-case hex", randomCodes(20, func() string { return strings.ToUpper(hex.EncodeToString(randBytes(16))) }), 128, 128},
		{"43 base64url, 20 codes", randomCodes(20, func() string { return base64.RawURLEncoding.EncodeToString(randBytes(32)) }), 250, 258},
		{"6 digits", randomCodes(20, digits(6)), 19, 20},
		{"uuid v4: dashes and version are constant", randomCodes(50, uuid), 120, 124},
		{"constant prefix", randomCodes(10, func() string { return "AUTHCODE-0001-" + hex.EncodeToString(randBytes(4)) }), 32, 32},
		{"one symbol", []string{"aaaaaaaa", "aaaaaaaa", "aaaaaaaa", "aaaaaaaa"}, 0, 0},
		{"lower-case alphanumerics", randomCodes(200, func() string {
			var sb strings.Builder
			for _, c := range randBytes(20) {
				sb.WriteByte("abcdefghijklmnopqrstuvwxyz0123456789"[int(c)%36])
			}
			return sb.String()
		}), 20 * math.Log2(36) * 0.99, 20 * math.Log2(36)},
		{"JWS-shaped: longest segment", []string{
			"eyJhbGciOiJIUzI1NiJ9.eyJjIjoxfQ." + hex.EncodeToString(randBytes(32)),
		}, 256, 256},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := EstimateEntropyBits(tc.codes)
			if got < tc.min-1e-9 || got > tc.max+1e-9 {
				t.Errorf("EstimateEntropyBits = %.2f, want %.2f..%.2f", got, tc.min, tc.max)
			}
		})
	}
}

func TestCodeEntropy(t *testing.T) {
	t.Parallel()
	bankid := []string{"b860604adbf40f6c53a797290916771"}
	err := CodeEntropy(bankid, 128)
	assertResult(t, Result{ID: "CODE-ENTROPY", Err: err}, fails(ErrLowEntropy, "code"), bankid)
	if want := "≈ 124.0 bits"; !strings.Contains(fmt.Sprint(err), want) {
		t.Errorf("got %v, want it to contain %q", err, want)
	}
	good := randomCodes(10, func() string { return base64.RawURLEncoding.EncodeToString(randBytes(32)) })
	assertResult(t, Result{ID: "CODE-ENTROPY", Err: CodeEntropy(good, 0)}, pass, good)
	assertResult(t, Result{ID: "CODE-ENTROPY", Err: CodeEntropy(nil, 128)}, skipIt, nil)
}
