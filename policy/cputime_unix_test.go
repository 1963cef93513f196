//go:build unix

package policy

import (
	"syscall"
	"testing"
)

// processCPU is the process's CPU time so far (user + system, every
// thread: the garbage collector's work counts).
func processCPU() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// reportCPU adds cpu-ns/op since start: on a shared machine, wall time per
// operation counts the time other processes ran.
func reportCPU(b *testing.B, start int64) {
	b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
}
