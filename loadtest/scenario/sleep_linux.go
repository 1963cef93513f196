package scenario

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// sleeper waits until a due time with the kernel's precision: a timerfd
// read through the Go runtime's netpoller, which wakes as soon as the
// timer fires, where the runtime's own timers of an idle process wake on
// its netpoller's millisecond timeout. A sleep inside a system call
// (nanosleep) would hold its P for the whole wait and starve the
// goroutines reading answers.
type sleeper struct {
	fd int
	f  *os.File
}

func newSleeper() *sleeper {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return &sleeper{fd: -1}
	}
	return &sleeper{fd: fd, f: os.NewFile(uintptr(fd), "timerfd")} // non-blocking: the netpoller waits for it
}

// until returns at t, or at once when t has passed.
func (s *sleeper) until(t time.Time) {
	d := time.Until(t)
	if d <= 0 {
		return
	}
	if s.f == nil {
		time.Sleep(d)
		return
	}
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(int64(d))}
	if err := unix.TimerfdSettime(s.fd, 0, &spec, nil); err != nil {
		time.Sleep(d)
		return
	}
	var buf [8]byte // the expiry count
	if _, err := s.f.Read(buf[:]); err != nil {
		time.Sleep(time.Until(t))
	}
}

func (s *sleeper) close() {
	if s.f != nil {
		_ = s.f.Close()
	}
}
