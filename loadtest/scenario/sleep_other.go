//go:build !linux

package scenario

import "time"

// sleeper waits on the runtime's timer (see sleep_linux.go).
type sleeper struct{}

func newSleeper() *sleeper { return &sleeper{} }

func (*sleeper) until(t time.Time) { time.Sleep(time.Until(t)) }

func (*sleeper) close() {}
