package checks

import (
	"context"
	"testing"

	"github.com/tokenbench/tokenbench/internal/exchange"
)

// BenchmarkValidate is the load runner's per-exchange cost: parse one
// successful BankID token response (body, ID token, key lookup) and run
// every success check, signature included.
func BenchmarkValidate(b *testing.B) {
	s := newScenario(b, "bankid")
	resp := s.build(b).Response
	checks := Success()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		x := &exchange.Exchange{Response: resp} // fresh: an Exchange caches its parsed body
		for _, r := range Validate(ctx, x, &s.ctx, checks) {
			if r.Failed() {
				b.Fatal(r.Err)
			}
		}
	}
}

// BenchmarkValidateReuse is Validate's work with the result slice reused,
// as Evaluate allows.
func BenchmarkValidateReuse(b *testing.B) {
	s := newScenario(b, "bankid")
	resp := s.build(b).Response
	checks := Success()
	ctx := context.Background()
	dst := make([]Result, 0, len(checks))
	b.ReportAllocs()
	for b.Loop() {
		x := &exchange.Exchange{Response: resp}
		dst = Evaluate(NewEvidence(ctx, x, &s.ctx), &s.ctx, checks, dst[:0])
	}
}

// BenchmarkNewEvidence is the parsing share: body members, ID token, key.
func BenchmarkNewEvidence(b *testing.B) {
	s := newScenario(b, "bankid")
	resp := s.build(b).Response
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		NewEvidence(ctx, &exchange.Exchange{Response: resp}, &s.ctx)
	}
}

// BenchmarkChecksWithoutSignature is every success check but IDT-SIGNATURE
// over evidence built once: the cost of the rules themselves.
func BenchmarkChecksWithoutSignature(b *testing.B) {
	s := newScenario(b, "bankid")
	ev := NewEvidence(context.Background(), s.build(b), &s.ctx)
	var checks []Check
	for _, ch := range Success() {
		if ch.ID != "IDT-SIGNATURE" {
			checks = append(checks, ch)
		}
	}
	dst := make([]Result, 0, len(checks))
	b.ReportAllocs()
	for b.Loop() {
		dst = Evaluate(ev, &s.ctx, checks, dst[:0])
	}
}

func BenchmarkErrorResponse(b *testing.B) {
	s := newScenario(b, "bankid")
	errScenario(b, s)
	resp := s.build(b).Response
	checks := ErrorResponse()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		Validate(ctx, &exchange.Exchange{Response: resp}, &s.ctx, checks)
	}
}
