package results

import "testing"

// TestMergeAuth: shards' client authentication figures add up: requests
// exactly, the time per request as an upper bound (as the code waits), and
// a result without them (an older tokenbench) leaves them out.
func TestMergeAuth(t *testing.T) {
	t.Parallel()
	h, err := EncodePair(NewHistogram(), NewHistogram())
	if err != nil {
		t.Fatal(err)
	}
	a := Summary{Requests: 10, OutOfRange: 10, HDR: h, Auth: &AuthStats{Method: "private_key_jwt", Requests: 10, TimeMS: Percentiles{Min: 1, Mean: 2, P50: 2, P99: 4, Max: 5}}}
	b := Summary{Requests: 30, OutOfRange: 30, HDR: h, Auth: &AuthStats{Method: "private_key_jwt", Requests: 30, TimeMS: Percentiles{Min: 0.5, Mean: 1, P50: 1, P99: 6, Max: 7}}}
	got, err := mergeSummaries([]Summary{a, b}, "summary", []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Auth == nil || got.Auth.Method != "private_key_jwt" || got.Auth.Requests != 40 {
		t.Fatalf("merged auth %+v", got.Auth)
	}
	if p := got.Auth.TimeMS; p.Min != 0.5 || p.Max != 7 || p.P99 != 6 || p.Mean != 1.25 {
		t.Errorf("merged time %+v: want min 0.5, max 7, p99 6 (the larger), mean 1.25 (weighted)", p)
	}
	none, err := mergeSummaries([]Summary{{}, {}}, "summary", []string{"a", "b"})
	if err != nil || none.Auth != nil {
		t.Errorf("results without auth merged into %+v (%v)", none.Auth, err)
	}
	if !a.Auth.Signs() || (&AuthStats{Method: "client_secret_basic"}).Signs() || (*AuthStats)(nil).Signs() {
		t.Error("Signs is wrong")
	}
}
