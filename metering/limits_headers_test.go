package metering

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// appendReset writes what time.Duration's String wrote before it (rounded
// to milliseconds under a second, else to seconds), for every duration.
func TestAppendResetMatchesDurationString(t *testing.T) {
	want := func(d time.Duration) string {
		if d < time.Second {
			return d.Round(time.Millisecond).String()
		}
		return d.Round(time.Second).String()
	}
	check := func(d time.Duration) {
		t.Helper()
		if got := string(appendReset(nil, d)); got != want(d) {
			t.Fatalf("appendReset(%d) = %q; want %q", d, got, want(d))
		}
	}
	for d := -3 * time.Second; d <= 3*time.Second; d += 499 * time.Microsecond {
		check(d)
	}
	for d := time.Duration(0); d <= 3*time.Hour; d += 997 * time.Millisecond {
		check(d)
	}
	for _, d := range []time.Duration{1, 499_999, 500_000, 999_499_999, 999_500_000, time.Minute - 1, time.Minute,
		time.Hour - 500*time.Millisecond, time.Hour, 1<<63 - 1, -1 << 63} {
		check(d)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 100_000 {
		check(time.Duration(r.Int64N(int64(2 * time.Hour))))
	}
}

// Apply sets the same headers, named and valued as fasthttp's Set did.
func TestRateHeadersApply(t *testing.T) {
	h := RateHeaders{HasRequests: true, LimitRequests: 100000000, RemainingRequests: 99999123, ResetRequests: 59*time.Second + 400*time.Millisecond,
		HasTokens: true, LimitTokens: 1000000000, RemainingTokens: -5, ResetTokens: 250 * time.Millisecond}
	var got, want fasthttp.ResponseHeader
	h.Apply(&got)
	want.Set("x-ratelimit-limit-requests", "100000000")
	want.Set("x-ratelimit-remaining-requests", "99999123")
	want.Set("x-ratelimit-reset-requests", "59s")
	want.Set("x-ratelimit-limit-tokens", "1000000000")
	want.Set("x-ratelimit-remaining-tokens", "0")
	want.Set("x-ratelimit-reset-tokens", "250ms")
	if g, w := got.String(), want.String(); g != w {
		t.Fatalf("headers:\n%s\nwant:\n%s", g, w)
	}
	got.Reset()
	RateHeaders{HasTokens: true, LimitTokens: 7, RemainingTokens: 3, ResetTokens: 61 * time.Second}.Apply(&got)
	if got.Peek("x-ratelimit-limit-requests") != nil || string(got.Peek("x-ratelimit-reset-tokens")) != "1m1s" {
		t.Fatalf("token headers only: %s", got.String())
	}
}
