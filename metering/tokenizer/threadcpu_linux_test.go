package tokenizer

import "syscall"

// threadCPU returns the CPU time the calling OS thread has used. Under a
// loaded machine it measures work where wall time measures the scheduler.
func threadCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
