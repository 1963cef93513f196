//go:build !unix

package providertest

import (
	"testing"
	"time"
)

// CPUTime is zero where getrusage is not available.
func CPUTime() time.Duration { return 0 }

// ReportCPU reports nothing where CPUTime is not measured.
func ReportCPU(*testing.B, time.Duration) {}
