package tokenizer

import (
	"runtime"
	"syscall"
	"testing"
)

// threadCPU returns the CPU time the calling OS thread has used. Under a
// loaded machine it measures work where wall time measures the scheduler.
func threadCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// loopWithCPU runs fn b.N times (b.Loop) on a locked thread and reports the
// thread CPU time per op and the CPU-time throughput beside wall time.
func loopWithCPU(b *testing.B, bytes int, fn func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start, n := threadCPU(), 0
	for b.Loop() {
		fn()
		n++
	}
	cpu := float64(threadCPU() - start)
	if cpu > 0 && n > 0 {
		b.ReportMetric(cpu/float64(n), "cpu-ns/op")
		b.ReportMetric(float64(bytes)*float64(n)/cpu*1e3, "cpu-MB/s")
	}
}
