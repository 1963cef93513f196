package health

import (
	"testing"
	"time"
)

func TestLatBucketContainsValue(t *testing.T) {
	f := func(d time.Duration) {
		t.Helper()
		i := latBucket(d)
		lo, hi := latBucketBounds(i)
		us := float64(d / time.Microsecond)
		if i < numLatBuckets-1 && (us < lo || us >= hi) {
			t.Fatalf("latBucket(%v)=%d with bounds [%v,%v) µs does not contain %v µs", d, i, lo, hi, us)
		}
	}
	for _, d := range []time.Duration{0, time.Microsecond, 511 * time.Microsecond, 512 * time.Microsecond,
		767 * time.Microsecond, 768 * time.Microsecond, time.Millisecond, 37 * time.Millisecond, 999 * time.Millisecond,
		time.Second, 3 * time.Second, 42 * time.Second, 5 * time.Minute} {
		f(d)
	}
	if got := latBucket(24 * time.Hour); got != numLatBuckets-1 {
		t.Fatalf("huge latency bucket = %d, want last (%d)", got, numLatBuckets-1)
	}
	if got := latBucket(-time.Second); got != 0 {
		t.Fatalf("negative latency bucket = %d, want 0", got)
	}
}

func TestQuantileWithinBucketError(t *testing.T) {
	var h [numLatBuckets]uint64
	// 100 samples: 1ms..100ms; true p50 = 50ms, p99 = 99ms; half-octave buckets bound the error at ~±20%.
	for i := 1; i <= 100; i++ {
		h[latBucket(time.Duration(i)*time.Millisecond)]++
	}
	f := func(q float64, want time.Duration) {
		t.Helper()
		got := quantile(&h, q)
		if r := float64(got) / float64(want); r < 0.8 || r > 1.2 {
			t.Fatalf("quantile(%v) = %v, want %v ±20%%", q, got, want)
		}
	}
	f(0.5, 50*time.Millisecond)
	f(0.99, 99*time.Millisecond)
	f(0.1, 10*time.Millisecond)
	var empty [numLatBuckets]uint64
	if got := quantile(&empty, 0.5); got != 0 {
		t.Fatalf("quantile of empty histogram = %v, want 0", got)
	}
}

func TestWindowRotationForgetsOldSlots(t *testing.T) {
	var w window
	x := sample{latency: 10 * time.Millisecond, cache: -1}
	w.add(100, &x)
	w.add(100, &x)
	var s stats
	w.collect(100, shortSlots, &s)
	if s.requests != 2 {
		t.Fatalf("requests = %d, want 2", s.requests)
	}
	// Same ring position one lap later: the old counts must be gone.
	w.add(100+numSlots, &x)
	s = stats{}
	w.collect(100+numSlots, longSlots, &s)
	if s.requests != 1 {
		t.Fatalf("after a lap requests = %d, want 1", s.requests)
	}
	// prepare clears the next slot ahead of time.
	w.add(101+numSlots-numSlots, &x) // epoch 101, ring index 101%32
	w.prepare(100 + numSlots)        // clears the slot for epoch 101+numSlots (same index)
	s = stats{}
	w.collectSlot(101, &s)
	if s.requests != 0 {
		t.Fatalf("prepared slot still reports epoch 101: %d requests", s.requests)
	}
	// 5 min window sees 30 slots, 1 min only 6.
	var w2 window
	for e := int64(1000); e < 1030; e++ {
		w2.add(e, &x)
	}
	var s1, s5 stats
	w2.collect(1029, shortSlots, &s1)
	w2.collect(1029, longSlots, &s5)
	if s1.requests != 6 || s5.requests != 30 {
		t.Fatalf("1m=%d 5m=%d, want 6 and 30", s1.requests, s5.requests)
	}
}
