// Package cpubench adds CPU time per operation to the filters' benchmarks.
// On the shared development machine wall-clock ns/op counts the turns of
// other processes; the process's CPU time does not, so cpu-ns/op is the
// number docs/filters.md compares (medians over -count runs).
package cpubench

import (
	"testing"
	"time"
)

// Timer measures one benchmark's CPU time from Start.
type Timer struct{ start time.Duration }

// Start begins measuring; call it just before the timed loop.
func Start() Timer { return Timer{cpuTime()} }

// Report adds cpu-ns/op to b's results (nothing where CPU time is not
// measured). With one benchmark goroutine the process's CPU time is the
// loop's plus a little runtime work; nothing else runs in a test binary.
func (t Timer) Report(b *testing.B) {
	if t.start == 0 && cpuTime() == 0 {
		return
	}
	b.ReportMetric(float64(cpuTime()-t.start)/float64(b.N), "cpu-ns/op")
}
