//go:build !race

package metering

import (
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// TestAdmitAllocs: a request's admission on the embedded store, as the
// gateway runs it (plan, reserve, the x-ratelimit-* headers, settle), on
// an Admission kept from request to request, allocates nothing: the
// reservation lives in the Admission, the store's answer in arrays.
func TestAdmitAllocs(t *testing.T) {
	l, err := NewLimiter(LimitsOptions{Logger: quietLog()}, benchRules)
	if err != nil {
		t.Fatal(err)
	}
	s := Subject{Tenant: "acme", Team: "eng", KeyID: "key-1", Model: "gpt-4o"}
	var (
		a   Admission
		hdr fasthttp.ResponseHeader
	)
	admit := func() {
		l.Plan(&a, s)
		r, err := l.ReservePlanned(ctx, &a, 500, 4000)
		if err != nil {
			t.Fatal(err)
		}
		hdr.Reset()
		r.Headers().Apply(&hdr)
		r.Settle(ctx, 400, 3000)
		a = a.Reuse()
	}
	admit() // the plan cache, the store's counters and the reservation's items
	if n := testing.AllocsPerRun(1000, admit); n != 0 {
		t.Fatalf("%v allocations per admission; want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() {
		hdr.Reset()
		RateHeaders{HasRequests: true, LimitRequests: 1 << 40, RemainingRequests: 1 << 39, ResetRequests: 59 * time.Second,
			HasTokens: true, LimitTokens: 1 << 40, ResetTokens: 250 * time.Millisecond}.Apply(&hdr)
	}); n != 0 {
		t.Fatalf("RateHeaders.Apply: %v allocations; want 0", n)
	}
}
