// Package benchcpu measures a benchmark's CPU time per operation: on a
// shared machine, wall-clock ns/op counts the turns other processes took.
package benchcpu

import (
	"testing"
	"time"
)

// ReportCPU adds cpu-ns/op, the process's CPU time since start (CPUTime)
// per operation, every thread counted (the garbage collector's work too).
func ReportCPU(b *testing.B, start time.Duration) {
	if start < 0 {
		return // not measurable here
	}
	b.ReportMetric(float64(CPUTime()-start)/float64(b.N), "cpu-ns/op")
}
