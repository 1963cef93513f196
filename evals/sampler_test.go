package evals

import (
	"math/rand/v2"
	"testing"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/policy"
)

func evalsConfig(rate float64, min, max int) *config.EvalsConfig {
	c := &config.EvalsConfig{Enabled: true, SampleRate: &rate, MinPerMinute: &min, MaxPerMinute: max}
	c.MaxTextBytes = 16384
	return c
}

func seeded(seed uint64) func() uint64 { return rand.New(rand.NewPCG(seed, 1)).Uint64 }

// takeN runs n requests of one stratum spread over minutes and counts the
// sampled ones.
func takeN(s *Sampler, tenant, model string, d *policy.Decision, n, perMinute int) int {
	got := 0
	for i := range n {
		if ok, _ := s.Decide(tenant, model, d, int64(i/perMinute)); ok {
			got++
		}
	}
	return got
}

func TestSamplerRateWithinBinomialBounds(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		s := NewSampler(evalsConfig(0.1, 0, 1000), seeded(seed))
		// 20 000 requests at 100 a minute: expected 2000, sd ≈ 42; ±5 sd.
		got := takeN(s, "t", "m", nil, 20000, 100)
		if got < 1790 || got > 2210 {
			t.Fatalf("seed %d: %d sampled of 20000 at rate 0.1, want 2000 ± 210", seed, got)
		}
	}
}

func TestSamplerRatePrecedence(t *testing.T) {
	c := evalsConfig(0.5, 0, 1000)
	c.Models = map[string]config.EvalsRate{"m-off": {SampleRate: 0}, "m-all": {SampleRate: 1}}
	c.Tenants = map[string]config.EvalsRate{"t-all": {SampleRate: 1}}
	s := NewSampler(c, seeded(7))
	if got := takeN(s, "t", "m-off", nil, 500, 100); got != 0 {
		t.Fatalf("model rate 0 sampled %d", got)
	}
	if got := takeN(s, "t", "m-all", nil, 500, 100); got != 500 {
		t.Fatalf("model rate 1 sampled %d of 500", got)
	}
	if got := takeN(s, "t-all", "m-off", nil, 500, 100); got != 500 {
		t.Fatalf("tenant rate 1 over model rate 0 sampled %d of 500", got)
	}
}

func TestSamplerPolicyOverride(t *testing.T) {
	s := NewSampler(evalsConfig(0.01, 5, 10), seeded(3))
	all := &policy.Decision{Allow: true, SampleRate: 1, HasSampleRate: true}
	none := &policy.Decision{Allow: true, SampleRate: 0, HasSampleRate: true}
	// The policy's rate 1 takes everything: no floor, no per-minute cap.
	if got := takeN(s, "t", "m", all, 1000, 1000); got != 1000 {
		t.Fatalf("policy sample_rate 1: %d of 1000", got)
	}
	// Rate 0 takes nothing, not even the floor.
	if got := takeN(s, "t2", "m", none, 1000, 100); got != 0 {
		t.Fatalf("policy sample_rate 0: %d sampled", got)
	}
	half := &policy.Decision{Allow: true, SampleRate: 0.3, HasSampleRate: true}
	if got := takeN(s, "t3", "m", half, 10000, 10000); got < 2800 || got > 3200 {
		t.Fatalf("policy sample_rate 0.3: %d of 10000", got)
	}
	if ok, rate := s.Decide("t4", "m", half, 0); rate != 0.3 {
		t.Fatalf("rate reported %v (taken %v), want the policy's 0.3", rate, ok)
	}
}

// A large tenant is capped per minute and a small one keeps its floor:
// the small tenant's share of samples is far above its share of traffic.
func TestSamplerStratification(t *testing.T) {
	s := NewSampler(evalsConfig(0.01, 2, 20), seeded(11))
	big, small := 0, 0
	for minute := range int64(60) {
		for i := range 5000 { // the large tenant: 5000 requests a minute
			if ok, _ := s.Decide("big", "m", nil, minute); ok {
				big++
			}
			if i%1000 == 0 { // the small one: 5 a minute
				if ok, _ := s.Decide("small", "m", nil, minute); ok {
					small++
				}
			}
		}
	}
	// big: capped at 20 a minute (rate alone would give 50).
	if big != 60*20 {
		t.Fatalf("large tenant: %d samples in 60 minutes, want the cap 1200", big)
	}
	// small: the floor (2 a minute) plus ~1 % of the other 3: ≥ 120.
	if small < 120 || small > 130 {
		t.Fatalf("small tenant: %d samples in 60 minutes, want 120..130 (the floor)", small)
	}
	// Without stratification (no floor, no cap) the small tenant would get ~3 and the big one 3000.
	plain := NewSampler(evalsConfig(0.01, 0, 1<<30), seeded(11))
	pb, ps := 0, 0
	for minute := range int64(60) {
		pb += takeN(plain, "big", "m", nil, 5000, 5000*int(minute+1))
		ps += takeN(plain, "small", "m", nil, 5, 5*int(minute+1))
	}
	if ps > 15 || pb < 2700 {
		t.Fatalf("plain sampling: big %d, small %d: the comparison's premise failed", pb, ps)
	}
}

func TestSamplerStrataBounded(t *testing.T) {
	s := NewSampler(evalsConfig(0, 1, 10), seeded(1))
	for i := range maxStrata + 100 {
		s.Decide(string(rune('a'+i%26))+string(rune(i)), "m", nil, 0)
	}
	if n := len(*s.strata.Load()); n > maxStrata+1 {
		t.Fatalf("%d strata kept, want at most %d", n, maxStrata+1)
	}
}

func TestSamplerReload(t *testing.T) {
	s := NewSampler(evalsConfig(0, 0, 100), seeded(1))
	if got := takeN(s, "t", "m", nil, 100, 100); got != 0 {
		t.Fatalf("rate 0: %d", got)
	}
	s.Reload(evalsConfig(1, 0, 1000))
	if got := takeN(s, "t", "m", nil, 100, 10); got != 100 {
		t.Fatalf("after reload to rate 1: %d of 100", got)
	}
}

func TestSamplerSkipAllocatesNothing(t *testing.T) {
	s := NewSampler(evalsConfig(0.01, 1, 60), seeded(5))
	d := &policy.Decision{Allow: true}
	s.Decide("acme", "m", d, 1)
	if n := testing.AllocsPerRun(1000, func() { s.Decide("acme", "m", d, 1) }); n != 0 {
		t.Fatalf("the sampling decision allocates %v times per request, want 0", n)
	}
}
