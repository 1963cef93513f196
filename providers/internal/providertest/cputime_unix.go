//go:build unix

package providertest

import (
	"syscall"
	"testing"
	"time"
)

// CPUTime is the process's user+system CPU time: on a shared machine the
// wall-clock ns/op counts other processes' turns, CPU time does not.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ReportCPU adds cpu-ns/op, measured from start, to b's results.
func ReportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(CPUTime()-start)/float64(b.N), "cpu-ns/op")
}
