package scenario

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Proc is one process started by Env. Its address stays the same across
// Restart; its PID does not.
type Proc struct {
	Name    string // what the scenario called it (for logs and errors)
	Addr    string // 127.0.0.1:PORT it serves on
	OpsAddr string // the gateway's ops listener when it has its own ("" = Addr)
	Dir     string // its working directory (Redis data, gateway ledger)

	env   *Env
	bin   string
	args  []string
	extra []string // environment variables added to the runner's
	ready func(ctx context.Context, p *Proc) error

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	out    *tail
}

// ProcSpec describes a process for Env.Start.
type ProcSpec struct {
	Name  string
	Bin   string
	Args  []string
	Env   []string // KEY=VALUE added to the runner's environment
	Addr  string   // where it serves
	Dir   string   // working directory; empty = a fresh one under the run's temp dir
	Ready func(ctx context.Context, p *Proc) error
}

// readyTimeout bounds how long a started process may take to serve.
const readyTimeout = 30 * time.Second

// Start launches a process and waits until spec.Ready says it serves.
func (e *Env) Start(spec ProcSpec) (*Proc, error) {
	dir := spec.Dir
	if dir == "" {
		var err error
		if dir, err = e.TempDir(sanitize(spec.Name)); err != nil {
			return nil, err
		}
	}
	p := &Proc{Name: spec.Name, Addr: spec.Addr, Dir: dir, env: e, bin: spec.Bin, args: spec.Args, extra: spec.Env, ready: spec.Ready}
	if err := e.track(p); err != nil {
		return nil, err
	}
	if err := p.launch(); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Proc) launch() error {
	cmd := exec.Command(p.bin, p.args...)
	cmd.Dir = p.Dir
	cmd.Env = append(os.Environ(), p.extra...)
	out := &tail{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = out, out
	// Its own process group (a terminal's Ctrl-C reaches the runner only,
	// which then stops it in order), and SIGKILL when the runner dies.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: start %s: %w", p.Name, p.bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	p.mu.Lock()
	p.cmd, p.exited, p.out = cmd, exited, out
	p.mu.Unlock()
	if p.ready == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(p.env.ctx, readyTimeout)
	defer cancel()
	for {
		err := p.ready(ctx, p)
		if err == nil {
			p.env.Logf("%s ready on %s (pid %d)", p.Name, p.Addr, cmd.Process.Pid)
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("%s exited at start (%s): %s", p.Name, cmd.ProcessState, out.lastLines(12))
		case <-ctx.Done():
			_ = p.Kill()
			return fmt.Errorf("%s not ready within %s: %v: %s", p.Name, readyTimeout, err, out.lastLines(12))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// PID of the running process (0 when stopped).
func (p *Proc) PID() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// Running says whether the process has not exited.
func (p *Proc) Running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// URL is http://Addr + path.
func (p *Proc) URL(path string) string { return "http://" + p.Addr + path }

// Output is the tail of the process's stdout and stderr (last 64 KiB).
func (p *Proc) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.out == nil {
		return ""
	}
	return p.out.String()
}

// Kill sends SIGKILL (a crash) and waits for the exit.
func (p *Proc) Kill() error { return p.stop(syscall.SIGKILL, 0) }

// Stop sends SIGTERM and waits up to 10 s for a clean exit, then kills.
func (p *Proc) Stop() error { return p.stop(syscall.SIGTERM, 10*time.Second) }

// Pause stops the process with SIGSTOP (a stalled server: connections stay
// open, calls hang); Resume continues it.
func (p *Proc) Pause() error { return p.signal(syscall.SIGSTOP) }

// Resume continues a paused process (SIGCONT).
func (p *Proc) Resume() error { return p.signal(syscall.SIGCONT) }

func (p *Proc) signal(sig syscall.Signal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return fmt.Errorf("%s: not running", p.Name)
	}
	return p.cmd.Process.Signal(sig)
}

func (p *Proc) stop(sig syscall.Signal, grace time.Duration) error {
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.cmd = nil
	p.mu.Unlock()
	if cmd == nil {
		return nil
	}
	_ = cmd.Process.Signal(syscall.SIGCONT) // a paused process must run to exit
	_ = cmd.Process.Signal(sig)
	if grace > 0 {
		select {
		case <-exited:
			return nil
		case <-time.After(grace):
			_ = cmd.Process.Kill()
		}
	}
	<-exited
	return nil
}

// Restart stops the process (SIGTERM) and starts it again with the same
// arguments, address and directory, waiting until it serves. The port may
// be held briefly by the kernel, so a failed start is retried a few times.
func (p *Proc) Restart() error {
	if err := p.Stop(); err != nil {
		return err
	}
	return p.Start()
}

// Start starts a stopped or killed process again (see Restart).
func (p *Proc) Start() error {
	var err error
	for range 5 {
		if err = p.launch(); err == nil {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return err
}

// RSS is the process's resident memory in bytes (VmRSS of /proc/PID/status).
func (p *Proc) RSS() (int64, error) {
	pid := p.PID()
	if pid == 0 {
		return 0, fmt.Errorf("%s: not running", p.Name)
	}
	return readRSS(pid)
}

// CPU is the user plus system CPU time the process used so far.
func (p *Proc) CPU() (time.Duration, error) {
	pid := p.PID()
	if pid == 0 {
		return 0, fmt.Errorf("%s: not running", p.Name)
	}
	return ProcessCPU(pid)
}

// OpenFiles counts the process's open file descriptors (/proc/PID/fd).
func (p *Proc) OpenFiles() (int, error) {
	pid := p.PID()
	if pid == 0 {
		return 0, fmt.Errorf("%s: not running", p.Name)
	}
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	return len(ents), err
}

// Metric reads one unlabelled sample (e.g. "go_goroutines") from the
// gateway's /metrics (on OpsAddr when it has its own listener).
func (p *Proc) Metric(ctx context.Context, name string) (float64, error) {
	addr := p.Addr
	if p.OpsAddr != "" {
		addr = p.OpsAddr
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s /metrics: %s", p.Name, resp.Status)
	}
	return findMetric(resp.Body, name)
}

// Goroutines is the gateway's go_goroutines.
func (p *Proc) Goroutines(ctx context.Context) (int, error) {
	v, err := p.Metric(ctx, "go_goroutines")
	return int(v), err
}

func findMetric(r io.Reader, name string) (float64, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, name+" "); ok {
			return strconv.ParseFloat(strings.TrimSpace(rest), 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("metric %s not found", name)
}

func readRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range bytes.Split(b, []byte("\n")) {
		if rest, ok := bytes.CutPrefix(l, []byte("VmRSS:")); ok {
			f := strings.Fields(string(rest)) // "12345 kB"
			if len(f) >= 1 {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				return kb << 10, err
			}
		}
	}
	return 0, errors.New("VmRSS not in /proc status")
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

func (t *tail) lastLines(n int) string { return lastLines(t.String(), n, "\n") }

// GetJSON GETs path from the process and decodes its JSON answer into v.
func (p *Proc) GetJSON(ctx context.Context, path string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL(path), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s GET %s: %s", p.Name, path, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// MockStats reads a mockllm's counters (GET /_mock/stats): "requests",
// "streams", "streams_completed", "errors_injected", …
func (p *Proc) MockStats(ctx context.Context) (map[string]int64, error) {
	var st map[string]int64
	err := p.GetJSON(ctx, "/_mock/stats", &st)
	return st, err
}
