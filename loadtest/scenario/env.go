package scenario

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/tollgate-ai/tollgate/internal/loopport"
)

// Env is one run's workshop: the repository root, a temp dir, binaries
// built once, and every process started through it, all stopped by Close
// (each child also gets SIGKILL from the kernel if the runner dies: a
// panic or a `go test` timeout leaves nothing behind).
type Env struct {
	ctx  context.Context
	root string
	dir  string
	log  io.Writer

	mu     sync.Mutex
	procs  []*Proc
	built  map[string]string
	closed bool
}

// EnvOptions configure NewEnv.
type EnvOptions struct {
	Root string    // repository root; empty = found from the working directory (go.mod)
	Log  io.Writer // progress lines; nil = discarded
}

// NewEnv makes a temp dir; ctx bounds every wait in the run.
func NewEnv(ctx context.Context, o EnvOptions) (*Env, error) {
	root := o.Root
	if root == "" {
		var err error
		if root, err = findRoot(); err != nil {
			return nil, err
		}
	}
	dir, err := os.MkdirTemp("", "tollgate-load-")
	if err != nil {
		return nil, err
	}
	log := o.Log
	if log == nil {
		log = io.Discard
	}
	return &Env{ctx: ctx, root: root, dir: dir, log: log, built: map[string]string{}}, nil
}

// Root is the repository's root directory.
func (e *Env) Root() string { return e.root }

// Dir is the run's temp dir (removed by Close).
func (e *Env) Dir() string { return e.dir }

// Ctx is the run's context.
func (e *Env) Ctx() context.Context { return e.ctx }

// Logf writes a progress line.
func (e *Env) Logf(format string, args ...any) {
	fmt.Fprintf(e.log, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

// TempDir makes a fresh directory under the run's temp dir.
func (e *Env) TempDir(prefix string) (string, error) { return os.MkdirTemp(e.dir, prefix+"-") }

// Close stops every process still running (SIGTERM, then SIGKILL after a
// grace period) and removes the temp dir. Safe to call twice.
func (e *Env) Close() error {
	e.mu.Lock()
	procs := e.procs
	e.procs, e.closed = nil, true
	e.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Add(1)
		go func() { defer wg.Done(); _ = p.Stop() }()
	}
	wg.Wait()
	return os.RemoveAll(e.dir)
}

// Build compiles a main package of this repository (e.g. "./cmd/tollgate")
// once per run, without -race, into bin/loadtest/, and returns its path.
func (e *Env) Build(pkg string) (string, error) {
	return e.build(e.root, pkg, filepath.Base(pkg))
}

// BuildAt compiles pkg as of git ref (e.g. BEFORE=HEAD~3): the ref's tree
// is exported with git archive into the temp dir and built there.
func (e *Env) BuildAt(ref, pkg string) (string, error) {
	src := filepath.Join(e.dir, "src-"+sanitize(ref))
	if _, err := os.Stat(src); err != nil {
		if err := os.MkdirAll(src, 0o755); err != nil {
			return "", err
		}
		cmd := command(e.ctx, "sh", "-c", `git archive "$1" | tar -x -C "$2"`, "sh", ref, src)
		cmd.Dir = e.root
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("git archive %s: %v: %s", ref, err, out)
		}
	}
	return e.build(src, pkg, filepath.Base(pkg)+"-"+sanitize(ref))
}

func (e *Env) build(dir, pkg, name string) (string, error) {
	key := dir + "\x00" + pkg
	e.mu.Lock()
	if p, ok := e.built[key]; ok {
		e.mu.Unlock()
		return p, nil
	}
	e.mu.Unlock()
	// Under the repository's git-ignored bin/: go build skips the link when
	// the binary there is already up to date, so runs after the first (and
	// each scenario of the smoke) start at once.
	out := filepath.Join(e.root, "bin", "loadtest", name)
	start := time.Now()
	cmd := command(e.ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %v: %s", pkg, err, b)
	}
	e.Logf("built %s in %s", name, time.Since(start).Round(time.Millisecond))
	e.mu.Lock()
	e.built[key] = out
	e.mu.Unlock()
	return out, nil
}

// FreePort returns a loopback TCP port that was free a moment ago and that
// this process has not handed out before (internal/loopport).
func (e *Env) FreePort() (int, error) { return loopport.Pick() }

// FreeAddr is FreePort as "127.0.0.1:PORT".
func (e *Env) FreeAddr() (string, error) {
	p, err := e.FreePort()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("127.0.0.1:%d", p), nil
}

func (e *Env) track(p *Proc) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return errors.New("scenario: env closed")
	}
	e.procs = append(e.procs, p)
	return nil
}

func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/tollgate-ai/tollgate\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("scenario: not inside the tollgate repository (no go.mod found upwards)")
		}
		dir = parent
	}
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '_'
	}, s)
}

func machine() string {
	model := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				model = strings.TrimSpace(l[strings.IndexByte(l, ':')+1:])
				break
			}
		}
	}
	return fmt.Sprintf("%d cores (%s), %s", runtime.NumCPU(), model, runtime.Version())
}
