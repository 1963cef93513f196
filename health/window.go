package health

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// Rolling windows: a ring of 10 s slots of atomic counters per deployment. A request adds to the slot of its end
// time; readers sum the slots of the last 6 (1 min) or 30 (5 min) epochs. The evaluation loop clears the next slot
// before it becomes current, so writers normally never reset anything; if the loop stalls, the first writer of a
// new epoch resets the slot with a CAS (a concurrent sample may then be lost from the window — the Prometheus
// counters are exact regardless).
const (
	slotSeconds = 10
	numSlots    = 32 // > 30 so the pre-cleared slot is never one a 5 min reader still needs
	shortSlots  = 6  // 1 min
	longSlots   = 30 // 5 min
)

// Latency histogram for window quantiles: half-octave buckets over microseconds. Bucket 0 holds [0, 512µs);
// bucket i>0 covers [2^(l-1) + h*2^(l-2), +2^(l-2)) with l = (i-1)/2+10, h = (i-1)%2. The last bucket is open.
const numLatBuckets = 42 // up to ~9 min

func latBucket(d time.Duration) int {
	us := uint64(max(d, 0) / time.Microsecond)
	if us < 512 {
		return 0
	}
	l := bits.Len64(us)
	half := int(us>>(l-2)) & 1
	i := 1 + 2*(l-10) + half
	return min(i, numLatBuckets-1)
}

// latBucketBounds returns [lo, hi) in microseconds.
func latBucketBounds(i int) (lo, hi float64) {
	if i == 0 {
		return 0, 512
	}
	l := (i-1)/2 + 10
	h := (i - 1) % 2
	quarter := float64(uint64(1) << (l - 2))
	lo = float64(uint64(1)<<(l-1)) + float64(h)*quarter
	return lo, lo + quarter
}

type slot struct {
	epoch       atomic.Int64
	requests    atomic.Uint64
	errors      atomic.Uint64 // upstream-fault errors only
	ok          atomic.Uint64 // upstream-served successes: the requests whose latency is in lat
	latSumUs    atomic.Uint64
	ttftCount   atomic.Uint64
	ttftSumUs   atomic.Uint64
	outTokens   atomic.Uint64
	genUs       atomic.Uint64 // generation time of requests with output tokens, for tokens/s
	costMicros  atomic.Int64
	cacheHits   atomic.Uint64
	cacheLookup atomic.Uint64
	lat         [numLatBuckets]atomic.Uint64
	ttft        [numLatBuckets]atomic.Uint64
}

func (s *slot) clear() {
	s.requests.Store(0)
	s.errors.Store(0)
	s.ok.Store(0)
	s.latSumUs.Store(0)
	s.ttftCount.Store(0)
	s.ttftSumUs.Store(0)
	s.outTokens.Store(0)
	s.genUs.Store(0)
	s.costMicros.Store(0)
	s.cacheHits.Store(0)
	s.cacheLookup.Store(0)
	for i := range s.lat {
		s.lat[i].Store(0)
		s.ttft[i].Store(0)
	}
}

type window struct {
	slots [numSlots]slot
}

func epochOf(unixSec int64) int64 { return unixSec / slotSeconds }

// slotFor returns the slot for epoch e, resetting it first when it still holds an old epoch.
func (w *window) slotFor(e int64) *slot {
	s := &w.slots[e%numSlots]
	if s.epoch.Load() != e {
		w.rotate(s, e)
	}
	return s
}

func (w *window) rotate(s *slot, e int64) {
	old := s.epoch.Load()
	if old >= e { // someone else advanced it, or e is late: add to the newer slot
		return
	}
	if s.epoch.CompareAndSwap(old, e) {
		s.clear()
	}
}

// prepare is called by the evaluation loop to clear the next slot ahead of time.
func (w *window) prepare(e int64) { w.rotate(&w.slots[(e+1)%numSlots], e+1) }

// sample is one request's contribution to a window.
type sample struct {
	fault      bool // an upstream fault: counts against the deployment
	served     bool // answered by the upstream without error: its latency describes the provider
	latency    time.Duration
	ttft       time.Duration
	outTokens  int
	genTime    time.Duration
	costMicros int64
	cache      int
}

func (w *window) add(e int64, x *sample) {
	s := w.slotFor(e)
	s.requests.Add(1)
	if x.fault {
		s.errors.Add(1)
	} else if x.served {
		s.ok.Add(1)
		s.latSumUs.Add(uint64(max(x.latency, 0) / time.Microsecond))
		s.lat[latBucket(x.latency)].Add(1)
		if x.ttft > 0 {
			s.ttftCount.Add(1)
			s.ttftSumUs.Add(uint64(x.ttft / time.Microsecond))
			s.ttft[latBucket(x.ttft)].Add(1)
		}
		if x.outTokens > 0 && x.genTime > 0 {
			s.outTokens.Add(uint64(x.outTokens))
			s.genUs.Add(uint64(x.genTime / time.Microsecond))
		}
	}
	if x.costMicros > 0 {
		s.costMicros.Add(x.costMicros)
	}
	if x.cache >= 0 && x.cache != cacheBypass {
		s.cacheLookup.Add(1)
		if cacheAnswered(x.cache) {
			s.cacheHits.Add(1)
		}
	}
}

// stats is the sum of a window's slots (also used to merge deployments into a model).
type stats struct {
	requests, errors, ok    uint64
	latSumUs                uint64
	ttftCount, ttftSumUs    uint64
	outTokens, genUs        uint64
	costMicros              int64
	cacheHits, cacheLookups uint64
	lat, ttft               [numLatBuckets]uint64
}

// collect sums n slots ending at epoch e (inclusive).
func (w *window) collect(e int64, n int, dst *stats) {
	for k := int64(0); k < int64(n); k++ {
		w.collectSlot(e-k, dst)
	}
}

func (w *window) collectSlot(e int64, dst *stats) {
	s := &w.slots[e%numSlots]
	if s.epoch.Load() != e {
		return
	}
	dst.requests += s.requests.Load()
	dst.errors += s.errors.Load()
	dst.ok += s.ok.Load()
	dst.latSumUs += s.latSumUs.Load()
	dst.ttftCount += s.ttftCount.Load()
	dst.ttftSumUs += s.ttftSumUs.Load()
	dst.outTokens += s.outTokens.Load()
	dst.genUs += s.genUs.Load()
	dst.costMicros += s.costMicros.Load()
	dst.cacheHits += s.cacheHits.Load()
	dst.cacheLookups += s.cacheLookup.Load()
	for i := range s.lat {
		dst.lat[i] += s.lat[i].Load()
		dst.ttft[i] += s.ttft[i].Load()
	}
}

func (a *stats) merge(b *stats) {
	a.requests += b.requests
	a.errors += b.errors
	a.ok += b.ok
	a.latSumUs += b.latSumUs
	a.ttftCount += b.ttftCount
	a.ttftSumUs += b.ttftSumUs
	a.outTokens += b.outTokens
	a.genUs += b.genUs
	a.costMicros += b.costMicros
	a.cacheHits += b.cacheHits
	a.cacheLookups += b.cacheLookups
	for i := range a.lat {
		a.lat[i] += b.lat[i]
		a.ttft[i] += b.ttft[i]
	}
}

func (a *stats) errorRate() float64 {
	if a.requests == 0 {
		return 0
	}
	return float64(a.errors) / float64(a.requests)
}

func (a *stats) meanLatency() time.Duration {
	if a.ok == 0 {
		return 0
	}
	return time.Duration(a.latSumUs/a.ok) * time.Microsecond
}

func (a *stats) meanTTFT() time.Duration {
	if a.ttftCount == 0 {
		return 0
	}
	return time.Duration(a.ttftSumUs/a.ttftCount) * time.Microsecond
}

// speed is the anomaly detector's latency feature: seconds of generation per output token when the traffic
// produces tokens (independent of how long clients ask answers to be, so a change in workload mix is not
// mistaken for a slow provider), else the mean request latency (embeddings).
func (a *stats) speed() (float64, string) {
	if a.outTokens > 0 && a.genUs > 0 {
		return float64(a.genUs) / 1e6 / float64(a.outTokens), "time per output token"
	}
	return a.meanLatency().Seconds(), "latency"
}

func (a *stats) tokensPerSecond() float64 {
	if a.genUs == 0 {
		return 0
	}
	return float64(a.outTokens) / (float64(a.genUs) / 1e6)
}

func (a *stats) cacheHitRate() float64 {
	if a.cacheLookups == 0 {
		return 0
	}
	return float64(a.cacheHits) / float64(a.cacheLookups)
}

// quantile estimates the q-quantile (0..1) of a bucket histogram by linear interpolation inside the bucket.
func quantile(h *[numLatBuckets]uint64, q float64) time.Duration {
	var total uint64
	for _, c := range h {
		total += c
	}
	if total == 0 {
		return 0
	}
	rank := q * float64(total)
	var cum float64
	for i, c := range h {
		if c == 0 {
			continue
		}
		next := cum + float64(c)
		if next >= rank {
			lo, hi := latBucketBounds(i)
			frac := (rank - cum) / float64(c)
			us := lo + frac*(hi-lo)
			return time.Duration(math.Round(us)) * time.Microsecond
		}
		cum = next
	}
	_, hi := latBucketBounds(numLatBuckets - 1)
	return time.Duration(hi) * time.Microsecond
}
