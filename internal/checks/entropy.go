package checks

import (
	"math"
	"strconv"
	"strings"
)

// entropyEstimate is EstimateEntropyBits with its working, for the failure.
type entropyEstimate struct {
	bits     float64
	perChar  float64
	chars    int    // characters counted (varying positions of the shortest code)
	alphabet string // "decimal", "hex", "base64url" or "N symbols seen"
}

// EstimateEntropyBits estimates the entropy of authorization codes from a
// sample: bits per character from the alphabet the codes use (decimal 3.32,
// hex 4, base64url 6 when upper- and lower-case letters and digits all
// occur, else log2 of the distinct symbols seen) times the length of the
// shortest code. With four or more codes, positions where every code has the
// same character (prefixes, separators, version digits) count for nothing,
// and the alphabet is read from the other positions only. A JWS- or
// JWE-shaped code is measured by its longest segment. It is an upper bound
// for structured codes and a lower one for no code: a sample cannot prove
// randomness. It returns 0 for no codes.
//
// https://www.rfc-editor.org/rfc/rfc6749#section-10.10
func EstimateEntropyBits(codes []string) float64 { return estimateEntropy(codes).bits }

func estimateEntropy(codes []string) entropyEstimate {
	if len(codes) == 0 {
		return entropyEstimate{}
	}
	segs := make([]string, len(codes))
	short := math.MaxInt
	for i, c := range codes {
		segs[i] = longestJOSESegment(c)
		short = min(short, len(segs[i]))
	}
	varying := make([]bool, short)
	n := 0
	for p := 0; p < short; p++ {
		varying[p] = true
		if len(segs) >= 4 {
			varying[p] = false
			for _, s := range segs[1:] {
				if s[p] != segs[0][p] {
					varying[p] = true
					break
				}
			}
		}
		if varying[p] {
			n++
		}
	}
	var seen [256]bool
	distinct := 0
	var digit, lowerHex, upperHex, lower, upper, b64 bool
	onlyB64 := true
	for _, s := range segs {
		for p := 0; p < short; p++ {
			if !varying[p] {
				continue
			}
			ch := s[p]
			if !seen[ch] {
				seen[ch] = true
				distinct++
			}
			switch {
			case ch >= '0' && ch <= '9':
				digit = true
			case ch >= 'a' && ch <= 'f':
				lowerHex, lower = true, true
			case ch >= 'A' && ch <= 'F':
				upperHex, upper = true, true
			case ch >= 'a' && ch <= 'z':
				lower, b64 = true, true
			case ch >= 'A' && ch <= 'Z':
				upper, b64 = true, true
			case ch == '-' || ch == '_':
				b64 = true
			default:
				onlyB64 = false
			}
		}
	}
	e := entropyEstimate{chars: n}
	switch {
	case distinct == 0:
		e.alphabet = "no varying characters"
	case onlyB64 && !b64 && !lowerHex && !upperHex:
		e.alphabet, e.perChar = "decimal", math.Log2(10)
	case onlyB64 && !b64 && !(lowerHex && upperHex):
		e.alphabet, e.perChar = "hex", 4
	case onlyB64 && b64 && lower && upper && digit:
		e.alphabet, e.perChar = "base64url", 6
	default:
		e.alphabet, e.perChar = strconv.Itoa(distinct)+" symbols seen", math.Log2(float64(distinct))
	}
	e.bits = e.perChar * float64(n)
	return e
}

// longestJOSESegment returns the longest dot-separated part of a code shaped
// like a compact JWS (3 parts) or JWE (5 parts), else the code.
func longestJOSESegment(code string) string {
	if d := strings.Count(code, "."); d != 2 && d != 4 {
		return code
	}
	if invalidBase64URL([]byte(strings.ReplaceAll(code, ".", ""))) >= 0 {
		return code
	}
	longest := ""
	for part := range strings.SplitSeq(code, ".") {
		if len(part) > len(longest) {
			longest = part
		}
	}
	return longest
}

// DefaultMinEntropyBits is RFC 6749 §10.10's and RFC 9700's floor.
const DefaultMinEntropyBits = 128

// CodeEntropy is CODE-ENTROPY: the estimate over a sample of codes is at
// least minBits (DefaultMinEntropyBits when 0). The failure gives the
// estimate and how it was made, never a code.
func CodeEntropy(codes []string, minBits float64) error {
	if len(codes) == 0 {
		return skip("no codes sampled")
	}
	if minBits <= 0 {
		minBits = DefaultMinEntropyBits
	}
	e := estimateEntropy(codes)
	if e.bits < minBits {
		return &Failure{ID: "CODE-ENTROPY", Field: "code",
			Got: "≈ " + strconv.FormatFloat(e.bits, 'f', 1, 64) + " bits (" + strconv.Itoa(e.chars) + " varying chars × " +
				strconv.FormatFloat(e.perChar, 'f', 2, 64) + " bits, " + e.alphabet + ", " + strconv.Itoa(len(codes)) + " codes)",
			Want: "≥ " + strconv.FormatFloat(minBits, 'f', -1, 64) + " bits", Err: ErrLowEntropy}
	}
	return nil
}
