package scenario

import (
	"syscall"
	"time"
)

// sleepUntil blocks the calling thread in the kernel until t: a
// nanosleep wakes within the thread's timer slack (50 µs by default),
// where the Go runtime's timers of an idle process wake on a millisecond
// tick.
func sleepUntil(t time.Time) {
	if d := time.Until(t); d > 3*time.Millisecond {
		time.Sleep(d - 2*time.Millisecond) // the runtime's timer for the bulk: no thread held
	}
	for {
		d := time.Until(t)
		if d <= 0 {
			return
		}
		ts := syscall.NsecToTimespec(int64(d))
		if err := syscall.Nanosleep(&ts, nil); err == nil {
			return
		}
		// EINTR (a signal, e.g. the runtime's preemption): sleep what is left.
	}
}
