package scenario

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// StartMock builds and starts cmd/mockllm on a free port with extra flags
// (e.g. "--latency", "20ms", "--tokens-per-sec", "50"); ready when
// GET /v1/models answers 200.
func (e *Env) StartMock(args ...string) (*Proc, error) {
	bin, err := e.Build("./cmd/mockllm")
	if err != nil {
		return nil, err
	}
	addr, err := e.FreeAddr()
	if err != nil {
		return nil, err
	}
	return e.Start(ProcSpec{Name: "mockllm", Bin: bin, Addr: addr,
		Args:  append([]string{"--listen", addr, "--log-level", "warn"}, args...),
		Ready: httpReady("/v1/models")})
}

// RedisOptions configure StartRedis.
type RedisOptions struct {
	AppendOnly bool     // appendonly yes, fsync everysec: a restart keeps the data (the chaos scenario's Redis)
	Port       int      // 0 = a free port
	Args       []string // more redis-server arguments (e.g. "--cluster-enabled", "yes")
	Name       string   // for logs; default "redis"
}

// StartRedis starts a real redis-server on loopback with its own data
// directory (Proc.Dir, kept across Restart, so an append-only Redis comes
// back with its data). redis-server must be installed (make deps does it).
func (e *Env) StartRedis(o RedisOptions) (*Proc, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("redis-server not installed (make deps or apt-get install redis-server): %w", err)
	}
	port := o.Port
	if port == 0 {
		if port, err = e.FreePort(); err != nil {
			return nil, err
		}
	}
	name := o.Name
	if name == "" {
		name = "redis"
	}
	dir, err := e.TempDir(name)
	if err != nil {
		return nil, err
	}
	aof := "no"
	if o.AppendOnly {
		aof = "yes"
	}
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", aof, "--appendfsync", "everysec", "--dir", dir, "--protected-mode", "no"}, o.Args...)
	return e.Start(ProcSpec{Name: name, Bin: bin, Args: args, Dir: dir,
		Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Ready: redisReady})
}

// GatewayOptions configure StartGatewayWith.
type GatewayOptions struct {
	Name string   // for logs; default "gateway"
	Bin  string   // a tollgate binary (e.g. from BuildAt); default ./cmd/tollgate of this tree
	YAML string   // the config; its top-level listen: is set to a free port
	Env  []string // KEY=VALUE for the process (TG_POLICY_DIR is set to the repo's policy/examples)
	// OwnOps gives the ops listener its own free loopback port (Proc.OpsAddr)
	// when the YAML has no top-level ops: line; otherwise the YAML decides.
	OwnOps bool
}

// StartGateway starts tollgate with yaml as its config file (its top-level
// `listen:` line is replaced by a free loopback port, or added) and waits
// for /readyz. Relative paths in the config (ledger_dir, samples) land in
// the process's own directory (Proc.Dir); ${TG_ROOT} is the repository.
// Without an `ops:` line the ops endpoints stay on the main port
// (ops.listen off), where /metrics is open on loopback when no keys are set.
func (e *Env) StartGateway(yaml string) (*Proc, error) {
	return e.StartGatewayWith(GatewayOptions{YAML: yaml})
}

var listenLine = regexp.MustCompile(`(?m)^listen:.*$`)
var opsLine = regexp.MustCompile(`(?m)^ops:`)

// StartGatewayWith is StartGateway with a chosen binary, name and env.
func (e *Env) StartGatewayWith(o GatewayOptions) (*Proc, error) {
	bin := o.Bin
	if bin == "" {
		var err error
		if bin, err = e.Build("./cmd/tollgate"); err != nil {
			return nil, err
		}
	}
	name := o.Name
	if name == "" {
		name = "gateway"
	}
	addr, err := e.FreeAddr()
	if err != nil {
		return nil, err
	}
	yaml := o.YAML
	if listenLine.MatchString(yaml) {
		yaml = listenLine.ReplaceAllLiteralString(yaml, "listen: "+addr)
	} else {
		yaml = "listen: " + addr + "\n" + yaml
	}
	opsAddr := ""
	if !opsLine.MatchString(yaml) {
		if o.OwnOps {
			if opsAddr, err = e.FreeAddr(); err != nil {
				return nil, err
			}
			yaml += "\nops: {listen: \"" + opsAddr + "\"}\n"
		} else {
			yaml += "\nops: {listen: \"off\"}\n"
		}
	}
	dir, err := e.TempDir(sanitize(name))
	if err != nil {
		return nil, err
	}
	cfg := filepath.Join(dir, "tollgate.yaml")
	if err := writeFile(cfg, yaml); err != nil {
		return nil, err
	}
	env := append([]string{"TG_ROOT=" + e.root, "TG_POLICY_DIR=" + filepath.Join(e.root, "policy", "examples")}, o.Env...)
	p, err := e.Start(ProcSpec{Name: name, Bin: bin, Args: []string{"--config", cfg}, Env: env, Dir: dir,
		Addr: addr, Ready: httpReady("/readyz")})
	if p != nil {
		p.OpsAddr = opsAddr
	}
	return p, err
}

// httpReady is ready when GET path answers 200.
func httpReady(path string) func(ctx context.Context, p *Proc) error {
	client := &http.Client{Timeout: 2 * time.Second}
	return func(ctx context.Context, p *Proc) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL(path), nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", path, resp.Status)
		}
		return nil
	}
}

// redisReady is ready when PING answers (loading an append-only file
// answers -LOADING until done, an error here).
func redisReady(ctx context.Context, p *Proc) error {
	c := redis.NewClient(&redis.Options{Addr: p.Addr, DialTimeout: time.Second, ReadTimeout: 2 * time.Second,
		MaxRetries: -1, DisableIdentity: true})
	defer c.Close()
	return c.Ping(ctx).Err()
}
