//go:build !unix

package cpubench

import "time"

// cpuTime is zero where getrusage is not available; Report then reports nothing.
func cpuTime() time.Duration { return 0 }
