package tokenizer

import (
	"runtime"
	"testing"
)

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
	if start > 0 && cpu > 0 && n > 0 {
		b.ReportMetric(cpu/float64(n), "cpu-ns/op")
		b.ReportMetric(float64(bytes)*float64(n)/cpu*1e3, "cpu-MB/s")
	}
}
