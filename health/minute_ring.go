package health

import (
	"math"
	"sync/atomic"
	"time"
)

// The minute ring keeps the last hour per model for the /ui sparklines:
// 60 one-minute buckets of atomic counters (requests, errors, cost, a
// latency histogram for p99) and a drift value other packages set. A
// request adds to the bucket of its minute; the first writer of a new
// minute resets the bucket with a CAS (as the 10 s windows do: a sample
// racing the reset may be lost from the picture, never from the metrics).
// About 23 KB per model.
const ringMinutes = 60

type minuteBucket struct {
	minute     atomic.Int64 // unix minute this bucket holds
	requests   atomic.Uint64
	errors     atomic.Uint64 // upstream faults, as the health windows count them
	costMicros atomic.Int64
	served     atomic.Uint64 // requests whose latency is in lat (upstream-served successes)
	lat        [numLatBuckets]atomic.Uint64
	drift      atomic.Uint64 // float64 bits; unsetDrift until SetDrift in this minute
}

type minuteRing struct {
	b [ringMinutes]minuteBucket
}

var unsetDrift = math.Float64bits(math.NaN())

func (r *minuteRing) bucket(minute int64) *minuteBucket {
	b := &r.b[minute%ringMinutes]
	for {
		cur := b.minute.Load()
		if cur >= minute {
			return b // current, or a straggler from the previous hour: counted in the newer minute
		}
		if b.minute.CompareAndSwap(cur, minute) {
			b.requests.Store(0)
			b.errors.Store(0)
			b.costMicros.Store(0)
			b.served.Store(0)
			for i := range b.lat {
				b.lat[i].Store(0)
			}
			b.drift.Store(unsetDrift)
			return b
		}
	}
}

// add counts one finished request in its minute: a few atomic adds.
func (r *minuteRing) add(minute int64, x *sample) {
	b := r.bucket(minute)
	b.requests.Add(1)
	if x.fault {
		b.errors.Add(1)
	}
	if x.costMicros > 0 {
		b.costMicros.Add(x.costMicros)
	}
	if x.served {
		b.served.Add(1)
		b.lat[latBucket(x.latency)].Add(1)
	}
}

// SetDrift records model's drift score for the current minute (the drift
// monitor calls it after each check); /ui draws it as the model's drift
// sparkline. Minutes without a value are drawn empty. Unknown models are
// ignored.
func (r *Registry) SetDrift(model string, score float64) {
	m := r.Model(model)
	if m == nil {
		return
	}
	m.ring.bucket(r.now().Unix() / 60).drift.Store(math.Float64bits(score))
}

// MinuteSeries is one model's last hour, one value per minute, oldest
// first; nil entries are minutes without data (no served request for
// p99, no drift value set).
type MinuteSeries struct {
	Model     string     `json:"model"`
	Start     time.Time  `json:"start"` // the first minute
	Requests  []uint64   `json:"requests"`
	P99Ms     []*float64 `json:"p99_ms"`
	ErrorRate []*float64 `json:"error_rate"`
	CostUSD   []float64  `json:"cost_usd"`
	Drift     []*float64 `json:"drift"`
}

// LastHour returns every configured model's last 60 minutes, the current
// (partial) minute last ("other" only while it had traffic).
func (r *Registry) LastHour() []MinuteSeries {
	now := r.now().Unix() / 60
	var out []MinuteSeries
	for _, m := range r.state.Load().list {
		s := m.ring.series(m.name, now)
		if m.name == OtherLabel && !s.hasRequests() {
			continue
		}
		out = append(out, s)
	}
	return out
}

func (s *MinuteSeries) hasRequests() bool {
	for _, n := range s.Requests {
		if n > 0 {
			return true
		}
	}
	return false
}

func (r *minuteRing) series(name string, now int64) MinuteSeries {
	first := now - ringMinutes + 1
	s := MinuteSeries{Model: name, Start: time.Unix(first*60, 0).UTC(), Requests: make([]uint64, ringMinutes),
		P99Ms: make([]*float64, ringMinutes), ErrorRate: make([]*float64, ringMinutes), CostUSD: make([]float64, ringMinutes),
		Drift: make([]*float64, ringMinutes)}
	var h [numLatBuckets]uint64
	for i := range ringMinutes {
		minute := first + int64(i)
		b := &r.b[minute%ringMinutes]
		if b.minute.Load() != minute {
			continue
		}
		n := b.requests.Load()
		s.Requests[i] = n
		if n > 0 {
			s.ErrorRate[i] = ptr(round(float64(b.errors.Load())/float64(n), 4))
		}
		s.CostUSD[i] = round(float64(b.costMicros.Load())/1e6, 6)
		if b.served.Load() > 0 {
			for j := range h {
				h[j] = b.lat[j].Load()
			}
			s.P99Ms[i] = ptr(round(float64(quantile(&h, 0.99))/float64(time.Millisecond), 1))
		}
		if d := b.drift.Load(); d != unsetDrift {
			s.Drift[i] = ptr(round(math.Float64frombits(d), 4))
		}
	}
	return s
}

func ptr(v float64) *float64 { return &v }
