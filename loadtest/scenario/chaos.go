package scenario

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

func init() {
	Register(Scenario{Name: "chaos", Run: runChaos, SmokeTimeout: 120 * time.Second,
		About: "faults under load: Redis killed and restarted, a cluster master killed, the upstream killed mid-stream, the policy corrupted, the alert receiver down"})
}

// runChaos runs each fault against its own gateways, in turn; -set only=redis|failover|upstream|policy|alerts
// runs one.
func runChaos(ctx context.Context, env *Env, o Options) (*Result, error) {
	res := NewResult("chaos")
	mock, err := env.StartMock()
	if err != nil {
		return nil, err
	}
	d := o.Dur(12*time.Second, 2*time.Second)
	faults := []struct {
		name string
		run  func(context.Context, *Env, *Result, *Proc, time.Duration) error
	}{
		{"redis", chaosRedisRestart}, {"failover", chaosFailover}, {"upstream", chaosUpstreamKilled},
		{"policy", chaosPolicyCorrupted}, {"alerts", chaosAlertsDown},
	}
	only := o.Str("only", "")
	for _, f := range faults {
		if only != "" && only != f.name {
			continue
		}
		if err := f.run(ctx, env, res, mock, d); err != nil {
			return nil, fmt.Errorf("chaos %s: %w", f.name, err)
		}
	}
	return res, nil
}

// timedShot is a shot with when it was sent, relative to the start of the load.
type timedShot struct {
	shot
	at time.Duration
}

// fireFor sends requests from workers goroutines for d (closed loop, at most max requests), do(i) making
// request i.
func fireFor(ctx context.Context, d time.Duration, workers, limit int, do func(ctx context.Context, i int) shot) []timedShot {
	start := time.Now()
	var mu sync.Mutex
	var out []timedShot
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Since(start) < d && ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= limit {
					return
				}
				at := time.Since(start)
				s := do(ctx, i)
				mu.Lock()
				out = append(out, timedShot{s, at})
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return out
}

// phases splits shots into before, during and after [from, to) and counts each.
func phases(shots []timedShot, from, to time.Duration) (before, during, after tally) {
	var b, d, a []shot
	for _, s := range shots {
		switch {
		case s.at < from:
			b = append(b, s.shot)
		case s.at < to:
			d = append(d, s.shot)
		default:
			a = append(a, s.shot)
		}
	}
	return count(b), count(d), count(a)
}

func allShots(ts []timedShot) []shot {
	out := make([]shot, len(ts))
	for i, s := range ts {
		out[i] = s.shot
	}
	return out
}

// chaosLoad is the load of the Redis faults: the load tenants' keys, with every tenth request on the
// budget key (so the budget is spent through the outage, in the documented fail mode).
func chaosLoad(gws []*Proc, tenants int) func(ctx context.Context, i int) shot {
	return func(ctx context.Context, i int) shot {
		key := fmt.Sprintf("sk-load%d", i%tenants)
		if i%10 == 9 {
			key = "sk-bud"
		}
		s := chat(ctx, gws[i%len(gws)], key, fmt.Sprintf("chaos %d", i), 8)
		s.gw = i % len(gws)
		return s
	}
}

// loadFailures counts the answers that were not 200 on the load keys; the budget key's 429 once spent and
// a lease's 503 limiter_unavailable are the documented answers and are counted apart.
func loadFailures(shots []timedShot) (failed int, limited tally) {
	var lim []shot
	for _, s := range shots {
		if s.code == "budget_exceeded" || s.code == "limiter_unavailable" {
			lim = append(lim, s.shot)
			continue
		}
		if s.status != http.StatusOK {
			failed++
		}
	}
	return failed, count(lim)
}

// budgetSpent sums the ledger's cost for tenant bud.
func budgetSpent(l ledgerScan) int64 {
	var spent int64
	for _, rs := range l.byID {
		for _, r := range rs {
			if r.Tenant == "bud" {
				spent += r.CostMicros
			}
		}
	}
	return spent
}

// chaosRedisRestart kills an append-only Redis a quarter into the load and starts it again halfway.
func chaosRedisRestart(ctx context.Context, env *Env, res *Result, mock *Proc, d time.Duration) error {
	rds, err := env.StartRedis(RedisOptions{AppendOnly: true, Name: "redis-aof"})
	if err != nil {
		return err
	}
	c := fleetConfig{Mock: mock.Addr, Redis: []string{rds.Addr}, Tenants: 4, RPM: 1000, BudgetUSD: 3}
	gws, err := startFleet(env, 2, c.yaml())
	if err != nil {
		return err
	}
	from := d / 4
	// The outage outlasts the limiter's retries and its down declaration (smoke too: with 1 s, the first
	// requests after the kill could span it all and none be sent while Redis was down).
	outage := max(d/4, 3*time.Second)
	to := from + outage
	d = max(d, to+2*time.Second)
	var faultErr error
	go func() {
		time.Sleep(from)
		if err := rds.Kill(); err != nil {
			faultErr = err
			return
		}
		time.Sleep(to - from)
		faultErr = rds.Start()
	}()
	shots := fireFor(ctx, d, 8, 1<<20, chaosLoad(gws, c.Tenants))
	if faultErr != nil {
		return faultErr
	}
	failed, limited := loadFailures(shots)
	t := count(allShots(shots))
	l, a, err := waitLedger(ctx, func() []string { return []string{rds.Addr} }, t.ids, 30*time.Second)
	if err != nil {
		return err
	}
	fallback, err1 := metricSum(ctx, gws, "tollgate_ratelimit_fallback_total")
	spooled, err2 := metricSum(ctx, gws, "tollgate_ledger_spooled_total")
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	stopAll(gws)
	b, du, af := phases(shots, from, to)
	tb := res.Table("Redis (appendonly) killed and restarted mid-load, two gateways", "phase", "requests", "outcomes")
	tb.Row(fmt.Sprintf("before (0–%s)", from), b.sent, b.String())
	tb.Row(fmt.Sprintf("Redis down (%s–%s)", from, to), du.sent, du.String())
	tb.Row("after restart", af.sent, af.String())
	tb.Row("ledger after recovery", a.sent, fmt.Sprintf("recorded %d, lost %d, doubled %d, unknown %d", a.recorded, a.lost, a.doubled, a.unknown))
	res.Check("redis down: load keys served (0 failed)", failed == 0, 0, failed)
	res.Check("redis down: requests served while Redis was down", du.ok() > 0, "> 0", du.ok())
	spent := budgetSpent(l)
	res.Check("redis down: budget $3 spend at or under it (lease mode)", spent <= 3_000_000, "<= 3000000 µ$", spent)
	checkAccounting(res, "redis restart", a)
	res.Note("redis: metering.redis_fail_mode lease (default); budget key answers: %s; limits fallback requests %.0f, ledger records spooled to disk %.0f and replayed.",
		limited.String(), fallback, spooled)
	return nil
}

// chaosFailover kills the master of one slot range of a 3-master cluster with a replica each.
func chaosFailover(ctx context.Context, env *Env, res *Result, mock *Proc, d time.Duration) error {
	cl, err := StartRedisCluster(ctx, env, ClusterOptions{ReplicasPerMaster: 1, AppendOnly: true})
	if err != nil {
		return err
	}
	defer cl.Close()
	// Replication is asynchronous: WAIT for the replica makes a ledger batch stored only once the replica has
	// it (else it is spooled and replayed), so a promotion loses no acknowledged record.
	c := fleetConfig{Mock: mock.Addr, Redis: cl.Addrs(), Tenants: 6, RPM: 1000, BudgetUSD: 3, LedgerStore: "{redis_wait_replicas: 1}"}
	gws, err := startFleet(env, 2, c.yaml())
	if err != nil {
		return err
	}
	const probe = "tg:rl:{t0}:r:" // the load tenant t0's slot: its master is the one killed
	victim, err := cl.Master(ctx, probe)
	if err != nil {
		return err
	}
	from := d / 4
	var took time.Duration
	var promoted *ClusterNode
	var faultErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		time.Sleep(from)
		start := time.Now()
		if faultErr = victim.Kill(); faultErr != nil {
			return
		}
		if promoted, faultErr = cl.WaitFailover(ctx, victim, probe, 20*time.Second); faultErr == nil {
			took = time.Since(start)
		}
	}()
	shots := fireFor(ctx, max(d, from+4*time.Second), 8, 1<<20, chaosLoad(gws, c.Tenants))
	<-done
	if faultErr != nil {
		return faultErr
	}
	// After the failover the gateways must reserve on the promoted replica: tenant t0's limits run their
	// scripts there (a client still dialling the dead master would fall back instead).
	fb0, err := metricSum(ctx, gws, "tollgate_ratelimit_fallback_total")
	if err != nil {
		return err
	}
	s0, err := nodeStats(ctx, promoted.Addr, nil)
	if err != nil {
		return err
	}
	settle := fireFor(ctx, 2*time.Second, 4, 1<<20, chaosLoad(gws, c.Tenants))
	s1, err := nodeStats(ctx, promoted.Addr, nil)
	if err != nil {
		return err
	}
	fb1, err := metricSum(ctx, gws, "tollgate_ratelimit_fallback_total")
	if err != nil {
		return err
	}
	onPromoted := s1.Calls["evalsha"] - s0.Calls["evalsha"]
	if err := victim.Restart(); err != nil {
		return err
	}
	t := count(append(allShots(shots), allShots(settle)...))
	_, a, err := waitLedger(ctx, func() []string { return masterAddrs(ctx, cl) }, t.ids, 30*time.Second)
	if err != nil {
		return err
	}
	stopAll(gws)
	failed, limited := loadFailures(append(shots, settle...))
	b, du, af := phases(shots, from, from+took)
	tb := res.Table("Cluster master killed mid-load (3 masters + a replica each), two gateways", "phase", "requests", "outcomes")
	tb.Row(fmt.Sprintf("before (0–%s)", from), b.sent, b.String())
	tb.Row(fmt.Sprintf("failing over (%s)", took.Round(time.Millisecond)), du.sent, du.String())
	tb.Row("after the failover", af.sent, af.String())
	tb.Row("2 s after (client on the new master)", len(settle), count(allShots(settle)).String())
	tb.Row("ledger after recovery", a.sent, fmt.Sprintf("recorded %d, lost %d, doubled %d, unknown %d", a.recorded, a.lost, a.doubled, a.unknown))
	res.Check("failover: load keys served (0 failed)", failed == 0, 0, failed)
	res.Check("failover: the gateways follow it (scripts run on the promoted replica in the 2 s after)", onPromoted > 0, "> 0", onPromoted)
	res.Check("failover: limiter fallbacks in the 2 s after (slow calls on a busy host may add a few)", fb1-fb0 <= float64(len(settle))/10,
		fmt.Sprintf("<= %d", len(settle)/10), fb1-fb0)
	checkAccounting(res, "failover", a)
	res.Note("failover: cluster-node-timeout 1 s, metering.ledger_store.redis_wait_replicas 1; the replica took over %s after the kill; budget key answers: %s; limiter fallbacks during the failover %.0f.",
		took.Round(time.Millisecond), limited.String(), fb0)
	return nil
}

// chaosUpstreamKilled kills a slow streaming upstream while clients (go-openai) read their streams.
func chaosUpstreamKilled(ctx context.Context, env *Env, res *Result, _ *Proc, _ time.Duration) error {
	slow, err := env.StartMock("--tokens-per-sec", "40")
	if err != nil {
		return err
	}
	rds, err := env.StartRedis(RedisOptions{Name: "redis-stream"})
	if err != nil {
		return err
	}
	c := fleetConfig{Mock: slow.Addr, Redis: []string{rds.Addr}, Tenants: 1, RPM: 1000, BudgetUSD: 3}
	gw, err := env.StartGatewayWith(GatewayOptions{Name: "gateway-stream", YAML: c.yaml(), OwnOps: true})
	if err != nil {
		return err
	}
	const streams = 4
	type outcome struct {
		id     string
		chunks int
		err    error
	}
	outs := make([]outcome, streams)
	var got sync.WaitGroup // every stream has relayed some tokens
	got.Add(streams)
	var wg sync.WaitGroup
	for i := range streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cfg := openai.DefaultConfig("sk-load0")
			cfg.BaseURL = gw.URL("/v1")
			cli := openai.NewClientWithConfig(cfg)
			st, err := cli.CreateChatCompletionStream(ctx, openai.ChatCompletionRequest{Model: "mock-gpt", MaxTokens: 400, Stream: true,
				Messages: []openai.ChatCompletionMessage{{Role: "user", Content: fmt.Sprintf("stream %d", i)}}})
			if err != nil {
				outs[i].err = err
				got.Done()
				return
			}
			defer st.Close()
			outs[i].id = st.Header().Get("X-Request-Id")
			signalled := false
			for {
				r, err := st.Recv()
				if err != nil {
					outs[i].err = err
					break
				}
				if len(r.Choices) > 0 && r.Choices[0].Delta.Content != "" {
					outs[i].chunks++
				}
				if outs[i].chunks == 10 && !signalled {
					signalled = true
					got.Done()
				}
			}
			if !signalled {
				got.Done()
			}
		}()
	}
	got.Wait()
	if err := slow.Kill(); err != nil {
		return err
	}
	wg.Wait()
	var ids []string
	errEvents, cleanEnds := 0, 0
	for _, o := range outs {
		var apiErr *openai.APIError
		switch {
		case errors.As(o.err, &apiErr):
			errEvents++
		case errors.Is(o.err, io.EOF):
			cleanEnds++
		}
		if o.id != "" {
			ids = append(ids, o.id)
		}
	}
	l, a, err := waitLedger(ctx, func() []string { return []string{rds.Addr} }, ids, 20*time.Second)
	if err != nil {
		return err
	}
	_ = gw.Stop()
	tb := res.Table("Upstream killed mid-stream (go-openai clients)", "stream", "content chunks received", "client saw", "ledger completion tokens", "ledger cost (µ$)")
	billed := 0
	for i, o := range outs {
		saw := "no error"
		if o.err != nil {
			saw = o.err.Error()
			if len(saw) > 60 {
				saw = saw[:60] + "…"
			}
		}
		var toks int
		var cost int64
		for _, r := range l.byID[o.id] {
			toks += r.CompletionTokens
			cost += r.CostMicros
		}
		if toks >= o.chunks && o.chunks > 0 && cost > 0 {
			billed++
		}
		tb.Row(i, o.chunks, saw, toks, cost)
	}
	res.Check("upstream killed: every client got an error event (not a clean end)", errEvents == streams, streams, errEvents)
	res.Check("upstream killed: relayed tokens billed (ledger tokens ≥ chunks relayed, cost > 0)", billed == streams, streams, billed)
	checkAccounting(res, "upstream killed", a)
	return nil
}

// chaosPolicyCorrupted overwrites a policy file with garbage mid-load and restores it later.
func chaosPolicyCorrupted(ctx context.Context, env *Env, res *Result, mock *Proc, d time.Duration) error {
	dir, err := env.TempDir("policy")
	if err != nil {
		return err
	}
	src := filepath.Join(env.Root(), "policy", "examples")
	ents, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if e.IsDir() || strings.HasSuffix(e.Name(), "_test.rego") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			return err
		}
	}
	yaml := fmt.Sprintf(`upstreams: [{name: mock, kind: openai, base_url: "http://%s/v1"}]
models: [{name: mock-gpt, deployments: [{upstream: mock}]}]
keys: [{id: g, key: sk-g, tenant: globex, team: default}]
policy: {dir: %q, timeout: 500ms}
log: {access: ""}
`, mock.Addr, dir)
	gw, err := env.StartGatewayWith(GatewayOptions{Name: "gateway-policy", YAML: yaml, OwnOps: true})
	if err != nil {
		return err
	}
	// The policy's 50 ms default timeout is for a quiet host: on this shared 2-core machine a first
	// evaluation can exceed it (a 403 policy_error before any fault). Timeout 500 ms and a warm-up keep
	// those apart from what the corrupted file does.
	for i := range 20 {
		if s := chat(ctx, gw, "sk-g", fmt.Sprintf("warm %d", i), 8); s.status != http.StatusOK {
			return fmt.Errorf("policy warm-up: %d %s", s.status, s.code)
		}
	}
	target := filepath.Join(dir, "decision.rego")
	good, err := os.ReadFile(target)
	if err != nil {
		return err
	}
	send := func(ctx context.Context, i int) shot { return chat(ctx, gw, "sk-g", fmt.Sprintf("policy %d", i), 8) }
	reloads := func(result string) float64 {
		v, _ := metricSum(ctx, []*Proc{gw}, `tollgate_policy_reloads_total{result="`+result+`"}`)
		return v
	}
	// Each phase lasts d/3 and, for the fault, until the gateway's watcher has seen the file (bounded).
	phase := func(seen func() bool) []timedShot {
		var out []timedShot
		start := time.Now()
		for time.Since(start) < d/3 || !seen() && time.Since(start) < 10*time.Second {
			out = append(out, fireFor(ctx, 250*time.Millisecond, 4, 1<<20, send)...)
		}
		return out
	}
	always := func() bool { return true }
	before := phase(always)
	errs0, ok0 := reloads("error"), reloads("ok")
	if err := os.WriteFile(target, []byte("package tollgate.decision\n\nthis is { not rego\n"), 0o644); err != nil {
		return err
	}
	corrupted := phase(func() bool { return reloads("error") > errs0 })
	reloadErrs := reloads("error") - errs0
	// Restored with a comment added: the same bytes as the serving revision would be "unchanged" (no reload to see).
	if err := os.WriteFile(target, append(good, "\n# restored\n"...), 0o644); err != nil {
		return err
	}
	restored := phase(func() bool { return reloads("ok") > ok0 })
	reloadOK := reloads("ok") - ok0
	_ = gw.Stop()
	tb := res.Table("Policy file corrupted mid-load", "phase", "requests", "outcomes")
	b, du, af := count(allShots(before)), count(allShots(corrupted)), count(allShots(restored))
	tb.Row("before", b.sent, b.String())
	tb.Row("decision.rego corrupted", du.sent, du.String())
	tb.Row("restored", af.sent, af.String())
	failed := b.failed() + du.failed() + af.failed()
	res.Check("policy corrupted: 0 failed requests", failed == 0 && du.sent > 0, 0, failed)
	res.Check("policy corrupted: the gateway saw the bad file (reload errors)", reloadErrs > 0, "> 0", reloadErrs)
	res.Check("policy corrupted: the restored file loaded again", reloadOK > 0, "> 0", reloadOK)
	return nil
}

// chaosAlertsDown sends alerts to a receiver while a failing model raises them and a healthy one serves the
// load; then it closes the receiver and a second failing model raises new alerts that cannot be delivered.
func chaosAlertsDown(ctx context.Context, env *Env, res *Result, mock *Proc, d time.Duration) error {
	bad, err := env.StartMock("--error-rate", "1", "--error-status", "500")
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	var received atomic.Int64
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		received.Add(1)
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	yaml := fmt.Sprintf(`upstreams:
  - {name: mock, kind: openai, base_url: "http://%s/v1"}
  - {name: bad, kind: openai, base_url: "http://%s/v1"}
models:
  - {name: mock-gpt, deployments: [{upstream: mock}]}
  - {name: flaky1, deployments: [{upstream: bad}]}
  - {name: flaky2, deployments: [{upstream: bad}]}
keys: [{id: a, key: sk-a, tenant: t0}]
health:
  slos: {flaky1: {max_error_rate: 0.01}, flaky2: {max_error_rate: 0.01}}
  alerts: {alertmanager_url: "http://%s"}
log: {access: ""}
`, mock.Addr, bad.Addr, ln.Addr())
	gw, err := env.StartGatewayWith(GatewayOptions{Name: "gateway-alerts", YAML: yaml, OwnOps: true})
	if err != nil {
		return err
	}
	load := func(d time.Duration, flaky string) []timedShot {
		return fireFor(ctx, d, 4, 1<<20, func(ctx context.Context, i int) shot {
			if i%5 == 4 { // the failing model: its errors raise the alerts
				s := chatModel(ctx, gw, "sk-a", flaky, fmt.Sprintf("%s %d", flaky, i))
				s.code = "flaky"
				return s
			}
			return chat(ctx, gw, "sk-a", fmt.Sprintf("alerts %d", i), 8)
		})
	}
	const failedDeliveries = `tollgate_alert_deliveries_total{receiver="alertmanager",result="error"}`
	up := load(d, "flaky1")
	// Health judges over rolling windows: wait (bounded) for the first alert.
	for deadline := time.Now().Add(15 * time.Second); received.Load() == 0 && time.Now().Before(deadline); {
		up = append(up, load(time.Second, "flaky1")...)
	}
	gotUp := received.Load()
	_ = srv.Close()
	down := load(d, "flaky2")
	errs, err := metricSum(ctx, []*Proc{gw}, failedDeliveries)
	for deadline := time.Now().Add(15 * time.Second); err == nil && errs == 0 && time.Now().Before(deadline); {
		down = append(down, load(time.Second, "flaky2")...)
		errs, err = metricSum(ctx, []*Proc{gw}, failedDeliveries)
	}
	if err != nil {
		return err
	}
	_ = gw.Stop()
	okUp, failUp := healthyOutcome(up)
	okDown, failDown := healthyOutcome(down)
	tb := res.Table("Alert receiver down", "phase", "healthy-model requests", "failed", "alerts received", "alert deliveries failed")
	tb.Row("receiver up (flaky1 failing)", okUp+failUp, failUp, gotUp, "")
	tb.Row("receiver down (flaky2 failing)", okDown+failDown, failDown, "", errs)
	res.Check("alerts: the receiver got alerts while up", gotUp > 0, "> 0", gotUp)
	res.Check("alerts: deliveries failed while the receiver was down", errs > 0, "> 0", errs)
	res.Check("alerts: 0 failed requests on the healthy model", failUp+failDown == 0, 0, failUp+failDown)
	return nil
}

func chatModel(ctx context.Context, gw *Proc, key, model, prompt string) shot {
	body := fmt.Sprintf(`{"model":%q,"max_tokens":8,"messages":[{"role":"user","content":%q}]}`, model, prompt)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, gw.URL("/v1/chat/completions"), strings.NewReader(body))
	if err != nil {
		return shot{err: err}
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := fleetHTTP.Do(req)
	if err != nil {
		return shot{err: err}
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return shot{status: resp.StatusCode, id: resp.Header.Get("X-Request-Id")}
}

// healthyOutcome counts the healthy model's answers: 200 and not.
func healthyOutcome(shots []timedShot) (ok, failed int) {
	for _, s := range shots {
		if s.code == "flaky" {
			continue
		}
		if s.status == http.StatusOK {
			ok++
		} else {
			failed++
		}
	}
	return ok, failed
}

// metricSum sums the samples of the gateways' /metrics whose series starts with name (all label sets
// when name has none).
func metricSum(ctx context.Context, gws []*Proc, name string) (float64, error) {
	var sum float64
	for _, gw := range gws {
		addr := gw.Addr
		if gw.OpsAddr != "" {
			addr = gw.OpsAddr
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
		if err != nil {
			return 0, err
		}
		resp, err := fleetHTTP.Do(req)
		if err != nil {
			return 0, err
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return 0, fmt.Errorf("%s /metrics: %s", gw.Name, resp.Status)
		}
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if !strings.HasPrefix(line, name) {
				continue
			}
			rest := line[len(name):]
			if rest == "" || (rest[0] != ' ' && rest[0] != '{') {
				continue
			}
			if i := strings.LastIndexByte(rest, ' '); i >= 0 {
				if v, err := strconv.ParseFloat(rest[i+1:], 64); err == nil {
					sum += v
				}
			}
		}
		resp.Body.Close()
	}
	return sum, nil
}
