package scenario

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"
)

// clockTick is Linux's USER_HZ: /proc/PID/stat counts CPU time in 1/100 s
// on every architecture Go runs Linux on (the kernel fixes it for user space).
const clockTick = 10 * time.Millisecond

// ProcessCPU is the user plus system CPU time of pid (all its threads), from
// fields 14 and 15 of /proc/PID/stat; its resolution is 10 ms, so measure
// phases of thousands of requests.
func ProcessCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// count fields after its closing parenthesis.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := bytes.Fields(b[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f)+2)
	}
	utime, err1 := strconv.ParseInt(string(f[11]), 10, 64)
	stime, err2 := strconv.ParseInt(string(f[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: bad utime/stime", pid)
	}
	return time.Duration(utime+stime) * clockTick, nil
}

// CPUMeter measures the CPU a set of processes spends between Start and
// Per: CPU per request of a proxy is its CPU delta over the requests served.
type CPUMeter struct {
	procs []*Proc
	start []time.Duration
}

// MeasureCPU starts a meter over procs.
func MeasureCPU(procs ...*Proc) *CPUMeter {
	m := &CPUMeter{procs: procs, start: make([]time.Duration, len(procs))}
	for i, p := range procs {
		m.start[i], _ = p.CPU()
	}
	return m
}

// Used is the CPU the processes used since MeasureCPU, summed.
func (m *CPUMeter) Used() time.Duration {
	var d time.Duration
	for i, p := range m.procs {
		now, err := p.CPU()
		if err == nil {
			d += now - m.start[i]
		}
	}
	return d
}

// PerRequestMicros is Used in µs divided by n (0 when n is 0).
func (m *CPUMeter) PerRequestMicros(n int) float64 {
	if n <= 0 {
		return 0
	}
	return float64(m.Used().Microseconds()) / float64(n)
}
