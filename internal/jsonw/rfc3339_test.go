package jsonw

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestClockMatchesAppendFormat compares Clock with AppendFormat on random
// times (pre-1970, far future, whole seconds, runs within one second) in
// UTC, Local, fixed zones and, when the zone database is there, zones with
// daylight saving around their transitions.
func TestClockMatchesAppendFormat(t *testing.T) {
	locs := []*time.Location{time.UTC, time.Local, time.FixedZone("x", -5*3600-30*60), time.FixedZone("y", 13*3600)}
	for _, name := range []string{"America/New_York", "Europe/Berlin", "Australia/Lord_Howe"} {
		if l, err := time.LoadLocation(name); err == nil {
			locs = append(locs, l)
		}
	}
	r := rand.New(rand.NewPCG(7, 7))
	var c Clock
	check := func(tm time.Time) {
		t.Helper()
		got, want := c.AppendRFC3339Nano([]byte("x"), tm), tm.AppendFormat([]byte("x"), time.RFC3339Nano)
		if string(got) != string(want) {
			t.Fatalf("%v: %s, want %s", tm, got, want)
		}
	}
	for range 200_000 {
		loc := locs[r.IntN(len(locs))]
		var tm time.Time
		switch r.IntN(4) {
		case 0:
			tm = time.Unix(r.Int64N(4e9)-2e9, r.Int64N(1e9))
		case 1:
			tm = time.Unix(r.Int64N(4e9)-2e9, 0) // whole seconds: no fraction
		case 2:
			tm = time.Unix(r.Int64N(4e9)-2e9, int64(r.IntN(1000))*1e6) // milliseconds: trailing zeros
		default: // around a daylight-saving change of 2026 (Europe: 29 March 01:00 UTC), a second at a time
			tm = time.Date(2026, 3, 29, 0, 59, 58, 0, time.UTC).Add(time.Duration(r.Int64N(4e9)))
		}
		tm = tm.In(loc)
		check(tm)
		check(tm.Add(time.Duration(r.Int64N(1e9)))) // often the same second: the cached prefix
	}
	check(time.Time{})
	check(time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC))
}

func BenchmarkClock(b *testing.B) {
	now := time.Now()
	var c Clock
	var dst []byte
	b.Run("clock", func(b *testing.B) {
		for b.Loop() {
			dst = c.AppendRFC3339Nano(dst[:0], now)
		}
	})
	b.Run("appendformat", func(b *testing.B) {
		for b.Loop() {
			dst = now.AppendFormat(dst[:0], time.RFC3339Nano)
		}
	})
}
