package health

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// slotTraffic records n requests with latencies around mean (±jitter fraction) into the current slot, then moves
// the clock to the next slot and evaluates, as the background loop would.
func slotTraffic(r *Registry, clk *fakeClock, rng *rand.Rand, model, dep string, n int, mean time.Duration, jitter float64) {
	for i := 0; i < n; i++ {
		f := 1 + jitter*(2*rng.Float64()-1)
		feed(r, model, dep, 1, okRecord(time.Duration(float64(mean)*f)))
	}
	clk.advance(slotSeconds * time.Second)
	r.evaluate()
}

func TestAnomalyFlagsSilentSlowdownWithoutSLO(t *testing.T) {
	f := func(name string, mk func(latency time.Duration) Record, wantReason string) {
		t.Helper()
		clk := newFakeClock()
		r := newTestRegistry(t, Options{Models: []ModelSpec{{Name: "m", Deployments: []string{"d"}}}}, clk)
		rng := rand.New(rand.NewPCG(1, 2))
		d := r.Model("m").Deployment("d")
		slot := func(mean time.Duration) {
			for i := 0; i < 20; i++ {
				feed(r, "m", "d", 1, mk(time.Duration(float64(mean)*(0.8+0.4*rng.Float64()))))
			}
			clk.advance(slotSeconds * time.Second)
			r.evaluate()
		}
		for i := 0; i < 18; i++ { // 3 minutes of normal traffic
			slot(800 * time.Millisecond)
			if d.Status() != Healthy {
				t.Fatalf("%s: baseline slot %d: status %v (%s), want healthy", name, i, d.Status(), d.reason)
			}
		}
		worst := Healthy
		for i := 0; i < 8 && worst != Unhealthy; i++ { // the provider silently becomes 3× slower
			slot(2400 * time.Millisecond)
			worst = max(worst, d.Status())
		}
		if worst == Healthy {
			t.Fatalf("%s: 3× slowdown was not flagged", name)
		}
		if !strings.Contains(d.reason, wantReason) {
			t.Fatalf("%s: reason %q should mention %q", name, d.reason, wantReason)
		}
		if r.Model("m").Status() == Healthy {
			t.Fatalf("%s: model with its only deployment flagged must not be healthy", name)
		}
	}
	f("chat stream", okRecord, "per output token")
	f("embeddings", func(l time.Duration) Record { return Record{Status: 200, Duration: l} }, "latency")
}

func TestAnomalyIgnoresNoiseWithinBaseline(t *testing.T) {
	clk := newFakeClock()
	r := newTestRegistry(t, Options{Models: []ModelSpec{{Name: "m", Deployments: []string{"d"}}}}, clk)
	rng := rand.New(rand.NewPCG(3, 4))
	d := r.Model("m").Deployment("d")
	for i := 0; i < 60; i++ { // 10 minutes: ±35% per request, slot means drifting ±15%, variable volume
		mean := time.Duration(float64(500*time.Millisecond) * (0.85 + 0.3*rng.Float64()))
		slotTraffic(r, clk, rng, "m", "d", 5+rng.IntN(30), mean, 0.35)
		if d.Status() != Healthy {
			t.Fatalf("slot %d: noisy but normal traffic flagged %v: %s", i, d.Status(), d.reason)
		}
	}
}

func TestErrorRateAgainstSLOAndModelAggregation(t *testing.T) {
	clk := newFakeClock()
	opts := Options{Models: []ModelSpec{{Name: "m", Deployments: []string{"a", "b"}, SLO: SLO{MaxErrorRate: 0.02}}}}
	r := newTestRegistry(t, opts, clk)
	m := r.Model("m")
	a, b := m.Deployment("a"), m.Deployment("b")
	fail := Record{Status: 502, ErrKind: ErrUpstream5xx, Duration: time.Second}

	feed(r, "m", "a", 10, okRecord(time.Second))
	feed(r, "m", "a", 10, fail)
	feed(r, "m", "b", 20, okRecord(time.Second))
	r.evaluate()
	if a.Status() != Unhealthy || b.Status() != Healthy || m.Status() != Degraded {
		t.Fatalf("a=%v b=%v model=%v; want unhealthy, healthy, degraded (traffic can move to b)", a.Status(), b.Status(), m.Status())
	}
	if !strings.Contains(a.reason, "error rate 50.0%") {
		t.Fatalf("reason %q", a.reason)
	}
	feed(r, "m", "b", 20, fail)
	r.evaluate()
	if m.Status() != Unhealthy {
		t.Fatalf("all deployments unhealthy → model %v, want unhealthy", m.Status())
	}

	// Client-side errors never count against the upstream.
	r2 := newTestRegistry(t, opts, newFakeClock())
	feed(r2, "m", "a", 50, Record{Status: 403, ErrKind: ErrPolicy, Duration: time.Millisecond})
	feed(r2, "m", "a", 50, Record{Status: 499, ErrKind: ErrClientCancel, Duration: time.Second})
	r2.evaluate()
	if s := r2.Model("m").Deployment("a").Status(); s != Healthy {
		t.Fatalf("policy denials / client cancels made the deployment %v", s)
	}

	// Recovery: once the 5 min window is clean, status returns only after recoverEvals evaluations.
	clk.advance(6 * time.Minute)
	feed(r, "m", "a", 20, okRecord(time.Second))
	feed(r, "m", "b", 20, okRecord(time.Second))
	for i := 1; i < recoverEvals; i++ {
		r.evaluate()
		if a.Status() != Unhealthy {
			t.Fatalf("recovered after %d evaluations, want hysteresis of %d", i, recoverEvals)
		}
	}
	r.evaluate()
	if a.Status() != Healthy || m.Status() != Healthy {
		t.Fatalf("after recovery a=%v model=%v", a.Status(), m.Status())
	}

	// Alerts: firing on the way down, resolved on the way up, for deployments and the model.
	var firing, resolved []string
	for _, ev := range r.RecentAlerts() {
		id := ev.Name + "/" + ev.Labels["deployment"]
		if ev.Status == "firing" {
			firing = append(firing, id)
		} else {
			resolved = append(resolved, id)
		}
	}
	for _, want := range []string{"TollgateDeploymentUnhealthy/a", "TollgateDeploymentUnhealthy/b", "TollgateModelDegraded/", "TollgateModelUnhealthy/"} {
		if !contains(firing, want) || !contains(resolved, want) {
			t.Fatalf("alert %s: firing=%v resolved=%v; want both", want, firing, resolved)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestLatencySLOAndCircuit(t *testing.T) {
	clk := newFakeClock()
	opts := Options{Models: []ModelSpec{{Name: "m", Deployments: []string{"d"}, SLO: SLO{LatencyP99: 500 * time.Millisecond, TTFTP99: 10 * time.Second}}}}
	f := func(latency time.Duration, want Status) {
		t.Helper()
		r := newTestRegistry(t, opts, clk)
		feed(r, "m", "d", 20, okRecord(latency))
		r.evaluate()
		if got := r.Model("m").Deployment("d").Status(); got != want {
			t.Fatalf("latency %v vs p99 objective 500ms: %v, want %v", latency, got, want)
		}
	}
	f(300*time.Millisecond, Healthy)
	f(700*time.Millisecond, Degraded)
	f(3*time.Second, Unhealthy)

	r := newTestRegistry(t, opts, clk)
	d := r.Model("m").Deployment("d")
	d.SetCircuit(CircuitOpen)
	r.evaluate()
	if d.Status() != Unhealthy || d.reason != "circuit open" {
		t.Fatalf("open circuit: %v %q", d.Status(), d.reason)
	}
	d.SetCircuit(CircuitHalfOpen)
	for i := 0; i < recoverEvals; i++ {
		r.evaluate()
	}
	if d.Status() != Degraded {
		t.Fatalf("half-open circuit: %v", d.Status())
	}
}

func TestBaselineUnit(t *testing.T) {
	var b baseline
	if s, _ := b.judge(10); s != Healthy {
		t.Fatal("no baseline yet must judge healthy")
	}
	for i := 0; i < 20; i++ {
		b.feed(0.5 + 0.01*float64(i%3))
	}
	f := func(seconds float64, want Status) {
		t.Helper()
		if got, ratio := b.judge(seconds); got != want {
			t.Fatalf("judge(%v) = %v (ratio %.2f), want %v", seconds, got, ratio, want)
		}
	}
	f(0.5, Healthy)
	f(0.6, Healthy)
	f(0.9, Degraded)
	f(1.5, Unhealthy)
	f(0.1, Healthy) // faster is never unhealthy
	// A lasting slowdown is learned slowly: still flagged after 10 more slots.
	for i := 0; i < 10; i++ {
		b.feed(1.5)
	}
	if s, _ := b.judge(1.5); s == Healthy {
		t.Fatal("baseline absorbed a 3× slowdown within 10 slots")
	}
}

// Longer answers take longer but are not a slower provider: the detector normalizes by output tokens.
func TestAnomalyIgnoresLongerAnswers(t *testing.T) {
	clk := newFakeClock()
	r := newTestRegistry(t, Options{Models: []ModelSpec{{Name: "m", Deployments: []string{"d"}}}}, clk)
	d := r.Model("m").Deployment("d")
	rec := func(tokens int) Record {
		// 200 ms TTFT, then 20 ms per token.
		dur := 200*time.Millisecond + time.Duration(tokens)*20*time.Millisecond
		return Record{Status: 200, Duration: dur, TTFT: 200 * time.Millisecond, CompletionTokens: tokens, Stream: true}
	}
	for i := 0; i < 18; i++ {
		feed(r, "m", "d", 20, rec(50))
		clk.advance(slotSeconds * time.Second)
		r.evaluate()
	}
	for i := 0; i < 8; i++ { // clients now ask for 4× longer answers: whole-request latency ~3.5×
		feed(r, "m", "d", 20, rec(200))
		clk.advance(slotSeconds * time.Second)
		r.evaluate()
		if d.Status() != Healthy {
			t.Fatalf("slot %d: longer answers flagged as %v: %s", i, d.Status(), d.reason)
		}
	}
}

// Only upstream-served requests describe the provider's latency: cache hits and denials are excluded.
func TestLatencyExcludesCacheHitsAndDenials(t *testing.T) {
	r := newTestRegistry(t, testOptions(), nil)
	hit := okRecord(time.Millisecond)
	hit.Cache = "hit"
	feed(r, "mock-gpt", "primary", 30, hit)
	feed(r, "mock-gpt", "primary", 30, Record{Status: 403, ErrKind: ErrPolicy, Duration: time.Millisecond})
	feed(r, "mock-gpt", "primary", 10, okRecord(time.Second))
	s := r.Snapshot()[0]
	if s.Requests != 70 || s.LatencyP50Ms < 800 || s.LatencyP50Ms > 1200 || s.CacheHitRate != 0.75 {
		t.Fatalf("requests %d, p50 %v ms (want ~1000), cache hit rate %v (want 0.75)", s.Requests, s.LatencyP50Ms, s.CacheHitRate)
	}
}
