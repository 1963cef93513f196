package providertest

import (
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/internal/benchcpu"
)

// CPUTime is the process's user+system CPU time: on a shared machine the
// wall-clock ns/op counts other processes' turns, CPU time does not.
func CPUTime() time.Duration { return benchcpu.CPUTime() }

// ReportCPU adds cpu-ns/op, measured from start, to b's results.
func ReportCPU(b *testing.B, start time.Duration) { benchcpu.ReportCPU(b, start) }
