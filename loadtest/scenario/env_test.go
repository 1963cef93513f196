package scenario

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestEnvProcesses starts the three kinds of process a scenario uses, reads
// their figures, restarts them and checks Close leaves none running.
func TestEnvProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts real processes")
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("redis-server not installed: make deps installs it")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	env, err := NewEnv(ctx, EnvOptions{Log: testLog{t}})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()

	mock, err := env.StartMock()
	if err != nil {
		t.Fatal(err)
	}
	redis, err := env.StartRedis(RedisOptions{AppendOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	gw, err := env.StartGateway(fmt.Sprintf(`listen: 127.0.0.1:1
upstreams: [{name: mock, kind: openai, base_url: "http://%s/v1"}]
models: [{name: mock-gpt, deployments: [{upstream: mock}]}]
redis: {addrs: ["%s"]}
metering: {ledger: "off"}
`, mock.Addr, redis.Addr))
	if err != nil {
		t.Fatal(err)
	}
	if gw.Addr == "127.0.0.1:1" || !strings.HasPrefix(gw.Addr, "127.0.0.1:") {
		t.Fatalf("listen not replaced: %s", gw.Addr)
	}
	resp, err := http.Post(gw.URL("/v1/chat/completions"), "application/json",
		strings.NewReader(`{"model":"mock-gpt","messages":[{"role":"user","content":"hi"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("chat through the gateway: %s\n%s", resp.Status, gw.Output())
	}
	for _, p := range []*Proc{mock, redis, gw} {
		rss, err := p.RSS()
		if err != nil || rss < 1<<20 {
			t.Errorf("%s RSS = %d, %v", p.Name, rss, err)
		}
		if _, err := p.CPU(); err != nil {
			t.Errorf("%s CPU: %v", p.Name, err)
		}
	}
	if g, err := gw.Goroutines(ctx); err != nil || g < 2 {
		t.Errorf("gateway goroutines = %d, %v", g, err)
	}
	pids := []int{mock.PID(), redis.PID(), gw.PID()}
	old := redis.PID()
	if err := redis.Restart(); err != nil {
		t.Fatal(err)
	}
	if redis.PID() == old || !redis.Running() {
		t.Errorf("redis restart: pid %d → %d, running %v", old, redis.PID(), redis.Running())
	}
	pids = append(pids, redis.PID())
	if err := env.Close(); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		if _, err := ProcessCPU(pid); err == nil {
			t.Errorf("pid %d still alive after Close", pid)
		}
	}
}

// testLog sends an Env's progress lines to the test's log.
type testLog struct{ t *testing.T }

func (l testLog) Write(b []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}
