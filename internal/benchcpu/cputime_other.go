//go:build !unix

package benchcpu

import "time"

// CPUTime is -1 where getrusage is missing: ReportCPU then reports nothing.
func CPUTime() time.Duration { return -1 }
