//go:build !linux

package scenario

import "time"

// sleepUntil waits until t on the runtime's timer (see sleep_linux.go).
func sleepUntil(t time.Time) { time.Sleep(time.Until(t)) }
