package health

import (
	"encoding/json"
	"testing"
	"time"
)

func seriesOf(t *testing.T, r *Registry, model string) MinuteSeries {
	t.Helper()
	for _, s := range r.LastHour() {
		if s.Model == model {
			return s
		}
	}
	t.Fatalf("no series for %s", model)
	return MinuteSeries{}
}

func TestMinuteRingLastHour(t *testing.T) {
	clk := newFakeClock() // 12:00:00
	r := newTestRegistry(t, testOptions(), clk)
	feed(r, "mock-gpt", "primary", 10, okRecord(100*time.Millisecond)) // minute 12:00
	feed(r, "mock-gpt", "primary", 1, okRecord(900*time.Millisecond))
	clk.advance(time.Minute)
	feed(r, "mock-gpt", "primary", 3, okRecord(50*time.Millisecond)) // minute 12:01
	feed(r, "mock-gpt", "backup", 1, Record{Status: 502, ErrKind: ErrUpstream5xx, Duration: time.Second})
	r.SetDrift("mock-gpt", 0.42)
	r.SetDrift("no-such-model", 1) // ignored

	s := seriesOf(t, r, "mock-gpt")
	if len(s.Requests) != 60 || !s.Start.Equal(clk.now().Truncate(time.Minute).Add(-59*time.Minute)) {
		t.Fatalf("series of %d minutes from %v", len(s.Requests), s.Start)
	}
	prev, cur := 58, 59
	if s.Requests[prev] != 11 || s.Requests[cur] != 4 {
		t.Fatalf("requests %v %v, want 11 then 4", s.Requests[prev], s.Requests[cur])
	}
	if *s.ErrorRate[prev] != 0 || *s.ErrorRate[cur] != 0.25 {
		t.Fatalf("error rates %v %v", *s.ErrorRate[prev], *s.ErrorRate[cur])
	}
	// p99 of 10×100 ms and 1×900 ms sits in the 900 ms bucket; the next minute's only served latency is 50 ms.
	if p := *s.P99Ms[prev]; p < 700 || p > 1100 {
		t.Fatalf("p99 %v ms in the first minute", p)
	}
	if p := *s.P99Ms[cur]; p < 30 || p > 70 {
		t.Fatalf("p99 %v ms in the second minute", p)
	}
	if s.CostUSD[prev] != 11*0.0015 || s.CostUSD[cur] != 3*0.0015 {
		t.Fatalf("cost %v %v", s.CostUSD[prev], s.CostUSD[cur])
	}
	if s.Drift[prev] != nil || s.Drift[cur] == nil || *s.Drift[cur] != 0.42 {
		t.Fatalf("drift %v %v: empty until set, then the value", s.Drift[prev], s.Drift[cur])
	}
	for i := 0; i < prev; i++ {
		if s.Requests[i] != 0 || s.P99Ms[i] != nil || s.ErrorRate[i] != nil || s.Drift[i] != nil {
			t.Fatalf("minute %d holds data: %v %v %v", i, s.Requests[i], s.P99Ms[i], s.ErrorRate[i])
		}
	}

	// An hour later the old minutes have left the window, and reusing their buckets starts from zero.
	clk.advance(60 * time.Minute)
	feed(r, "mock-gpt", "primary", 2, okRecord(10*time.Millisecond))
	s = seriesOf(t, r, "mock-gpt")
	total := uint64(0)
	for _, n := range s.Requests {
		total += n
	}
	if total != 2 || s.Requests[59] != 2 || s.Drift[59] != nil {
		t.Fatalf("after an hour: %d requests in the window (last %d), drift %v", total, s.Requests[59], s.Drift[59])
	}

	var d uiData
	b, _ := json.Marshal(r.uiData())
	if err := json.Unmarshal(b, &d); err != nil || len(d.LastHour) < 2 {
		t.Fatalf("data.json last_hour: %v %d", err, len(d.LastHour))
	}
}

func TestMinuteRingAddAllocatesNothing(t *testing.T) {
	r := newTestRegistry(t, testOptions(), nil)
	m := r.Model("mock-gpt")
	x := sample{served: true, latency: time.Millisecond, costMicros: 5}
	if n := testing.AllocsPerRun(1000, func() { m.ring.add(100, &x) }); n != 0 {
		t.Fatalf("ring add allocates %v", n)
	}
}
