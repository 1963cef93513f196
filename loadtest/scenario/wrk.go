package scenario

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"time"
)

// HaveWrk says whether wrk is installed (apt-get install wrk); without it
// closed-loop phases use RunLoad with Rate 0.
func HaveWrk() bool {
	_, err := exec.LookPath("wrk")
	return err == nil
}

var wrkResult = regexp.MustCompile(`RESULT requests=(\d+) duration_us=(\d+) errors=(\d+) p50_ms=([\d.]+) p99_ms=([\d.]+) p90_ms=([\d.]+) max_ms=([\d.]+)`)

// RunWrk is a closed loop by wrk with loadtest/chat.lua (the non-streaming
// chat of ChatBody) against addr; key is sent as a bearer when set.
func (e *Env) RunWrk(ctx context.Context, addr string, d time.Duration, conns, threads int, key string) (*Stats, error) {
	secs := max(int(d.Round(time.Second)/time.Second), 1)
	cmd := command(ctx, "wrk", "-t"+strconv.Itoa(threads), "-c"+strconv.Itoa(conns),
		"-d"+strconv.Itoa(secs)+"s", "-s", filepath.Join(e.root, "loadtest", "chat.lua"), "http://"+addr)
	cmd.Env = os.Environ()
	if key != "" {
		cmd.Env = append(cmd.Env, "TG_KEY="+key)
	}
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("wrk: %w: %s", err, out)
	}
	m := wrkResult.FindSubmatch(out)
	if m == nil {
		return nil, fmt.Errorf("wrk: no RESULT line in %q", out)
	}
	num := func(i int) float64 { v, _ := strconv.ParseFloat(string(m[i]), 64); return v }
	ms := func(i int) time.Duration { return time.Duration(num(i) * float64(time.Millisecond)) }
	reqs, errs := int(num(1)), int(num(3))
	return &Stats{
		Requests: reqs, Elapsed: time.Duration(num(2)) * time.Microsecond,
		Status: map[int]int{200: reqs - errs, 0: errs},
		fixed:  map[string]time.Duration{"p0.5": ms(4), "p0.99": ms(5), "p0.9": ms(6), "max": ms(7)},
	}, nil
}
