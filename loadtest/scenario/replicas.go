package scenario

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

func init() {
	Register(Scenario{Name: "replicas", Run: runReplicas, SmokeTimeout: 90 * time.Second,
		About: "three gateways on one Redis: rate limits admit their limit, budgets end under theirs, one ledger record per request"})
}

// The replicas, cluster and chaos scenarios share this file's fleet: gateways with the same config on one
// Redis (or cluster), keys whose limits the checks read, and a ledger read straight from Redis.

// fleetConfig is the gateway config of the shared-Redis scenarios.
type fleetConfig struct {
	Mock      string   // mockllm address
	Redis     []string // redis.addrs
	Tenants   int      // load tenants t0..tN-1, one key each, limits far away
	RPM       int      // key "rl" (tenant rl): requests per minute
	BudgetUSD float64  // key "bud" (tenant bud): daily budget
	// LedgerStore is metering.ledger_store's flow map (e.g. "{redis_wait_replicas: 1}"); "" = defaults.
	LedgerStore string
	Extra       string // more top-level YAML (policy, health, …)
}

// fleetPrice is mock-gpt's price in the fleet (USD per 1M tokens, input and output): a cent a token, so a
// small request reserves about $0.2 and a budget of a few dollars ends after tens of requests.
const fleetPrice = 10000

func (c fleetConfig) yaml() string {
	var b strings.Builder
	fmt.Fprintf(&b, `upstreams: [{name: mock, kind: openai, base_url: "http://%s/v1"}]
models: [{name: mock-gpt, deployments: [{upstream: mock}]}]
admin: {key: sk-admin}
redis: {addrs: [%s], timeout: 200ms}
metering:
  ledger_dir: ledger
  prices: {mock-gpt: {input: %d, output: %d}}
%scache: {enabled: true}
evals: {enabled: true, sample_rate: 1, max_per_minute: 1000000, sink: {kind: redis, redis: {shards: 8}}}
log: {access: ""}
keys:
  - {id: rl, key: sk-rl, tenant: rl, rpm: %d}
  - {id: bud, key: sk-bud, tenant: bud, budget: {daily_usd: %g}}
`, c.Mock, strings.Join(c.Redis, ", "), fleetPrice, fleetPrice, ledgerStore(c.LedgerStore), c.RPM, c.BudgetUSD)
	for i := range c.Tenants {
		fmt.Fprintf(&b, "  - {id: load%d, key: sk-load%d, tenant: t%d}\n", i, i, i)
	}
	b.WriteString(c.Extra)
	return b.String()
}

func ledgerStore(flow string) string {
	if flow == "" {
		return ""
	}
	return "  ledger_store: " + flow + "\n"
}

// startFleet starts n gateways with the same config.
func startFleet(env *Env, n int, yaml string) ([]*Proc, error) {
	gws := make([]*Proc, n)
	for i := range gws {
		var err error
		if gws[i], err = env.StartGatewayWith(GatewayOptions{Name: fmt.Sprintf("gateway%d", i+1), YAML: yaml, OwnOps: true}); err != nil {
			return nil, err
		}
	}
	return gws, nil
}

// shot is one request's outcome as the client saw it.
type shot struct {
	status int
	id     string // x-request-id
	code   string // the error's code when not 200
	gw     int
	err    error // transport error (no answer)
}

var fleetHTTP = &http.Client{Timeout: 30 * time.Second,
	Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}

// chat sends one non-streaming chat request.
func chat(ctx context.Context, gw *Proc, key, prompt string, maxTokens int) shot {
	body, _ := json.Marshal(map[string]any{"model": "mock-gpt", "max_tokens": maxTokens, "temperature": 0,
		"messages": []map[string]string{{"role": "user", "content": prompt}}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, gw.URL("/v1/chat/completions"), bytes.NewReader(body))
	if err != nil {
		return shot{err: err}
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := fleetHTTP.Do(req)
	if err != nil {
		return shot{err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	s := shot{status: resp.StatusCode, id: resp.Header.Get("X-Request-Id"), err: err}
	if s.status != http.StatusOK {
		var e struct {
			Error struct{ Code string } `json:"error"`
		}
		_ = json.Unmarshal(raw, &e)
		s.code = e.Error.Code
	}
	return s
}

// fire sends n requests from workers goroutines (closed loop), do(i) making request i; it stops early
// when ctx ends (fireFor, bounded by count only).
func fire(ctx context.Context, n, workers int, do func(ctx context.Context, i int) shot) []shot {
	return allShots(fireFor(ctx, 24*time.Hour, workers, n, do))
}

// tally counts outcomes: by status ("200", "429 rate_limit_exceeded", "error" for no answer).
type tally struct {
	sent   int
	byKind map[string]int
	ids    []string // request ids of answered requests
}

func count(shots []shot) tally {
	t := tally{byKind: map[string]int{}}
	for _, s := range shots {
		t.sent++
		switch {
		case s.status == 0:
			t.byKind["error"]++
		case s.status == http.StatusOK:
			t.byKind["200"]++
		default:
			t.byKind[fmt.Sprintf("%d %s", s.status, s.code)]++
		}
		if s.id != "" {
			t.ids = append(t.ids, s.id)
		}
	}
	return t
}

func (t tally) ok() int     { return t.byKind["200"] }
func (t tally) failed() int { return t.sent - t.ok() }

func (t tally) String() string {
	kinds := make([]string, 0, len(t.byKind))
	for k, v := range t.byKind {
		kinds = append(kinds, fmt.Sprintf("%s: %d", k, v))
	}
	sort.Strings(kinds)
	return strings.Join(kinds, ", ")
}

// ledgerRecord is what the checks read of a ledger record.
type ledgerRecord struct {
	RequestID        string `json:"request_id"`
	Tenant           string `json:"tenant"`
	Status           int    `json:"status"`
	CompletionTokens int    `json:"completion_tokens"`
	CostMicros       int64  `json:"cost_micros"`
}

// ledgerScan is the ledger as Redis holds it: every record of every tg:ledger:* stream (whatever the
// key layout), read from the given masters.
type ledgerScan struct {
	records int
	streams int
	byID    map[string][]ledgerRecord
}

func scanLedger(ctx context.Context, masters []string) (ledgerScan, error) {
	l := ledgerScan{byID: map[string][]ledgerRecord{}}
	for _, addr := range masters {
		if err := l.scanNode(ctx, addr); err != nil {
			return l, err
		}
	}
	return l, nil
}

func (l *ledgerScan) scanNode(ctx context.Context, addr string) error {
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	var cursor uint64
	for {
		keys, next, err := rdb.ScanType(ctx, cursor, "tg:ledger:*", 1000, "stream").Result()
		if err != nil {
			return fmt.Errorf("ledger scan on %s: %w", addr, err)
		}
		for _, k := range keys {
			l.streams++
			start := "-"
			for {
				msgs, err := rdb.XRangeN(ctx, k, start, "+", 1000).Result()
				if err != nil {
					return fmt.Errorf("ledger read %s on %s: %w", k, addr, err)
				}
				for _, m := range msgs {
					var r ledgerRecord
					raw, _ := m.Values["r"].(string)
					if err := json.Unmarshal([]byte(raw), &r); err != nil {
						return fmt.Errorf("ledger record %s in %s: %w", m.ID, k, err)
					}
					l.records++
					l.byID[r.RequestID] = append(l.byID[r.RequestID], r)
				}
				if len(msgs) < 1000 {
					break
				}
				start = "(" + msgs[len(msgs)-1].ID
			}
		}
		if cursor = next; cursor == 0 {
			return nil
		}
	}
}

// accounting compares the ledger with the request ids the clients got: lost (sent, not recorded),
// doubled (recorded more than once) and unknown (recorded, never sent).
type accounting struct{ sent, recorded, lost, doubled, unknown int }

func (l ledgerScan) account(ids []string) accounting {
	a := accounting{sent: len(ids), recorded: l.records}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		seen[id] = true
		switch n := len(l.byID[id]); {
		case n == 0:
			a.lost++
		case n > 1:
			a.doubled += n - 1
		}
	}
	for id, rs := range l.byID {
		if !seen[id] {
			a.unknown += len(rs)
		}
	}
	return a
}

// waitLedger polls the ledger until it holds every id (the gateways' writers batch, and replay a spool
// when Redis comes back) or timeout passes; it returns the last scan.
func waitLedger(ctx context.Context, masters func() []string, ids []string, timeout time.Duration) (ledgerScan, accounting, error) {
	deadline := time.Now().Add(timeout)
	for {
		l, err := scanLedger(ctx, masters())
		a := l.account(ids)
		if err == nil && a.lost == 0 || time.Now().After(deadline) || ctx.Err() != nil {
			return l, a, err
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// checkAccounting adds the ledger checks: every request sent recorded exactly once, nothing else.
func checkAccounting(res *Result, what string, a accounting) {
	res.Check(what+": ledger records = requests sent", a.recorded == a.sent && a.unknown == 0, a.sent, a.recorded)
	res.Check(what+": ledger records lost", a.lost == 0, 0, a.lost)
	res.Check(what+": ledger records doubled", a.doubled == 0, 0, a.doubled)
}

// limitRun is the rate-limit and budget phase shared by replicas and cluster: requests on key rl and on
// key bud, spread round-robin over the gateways.
type limitRun struct{ rl, bud tally }

func runLimits(ctx context.Context, gws []*Proc, c fleetConfig, budgetShots int) limitRun {
	var r limitRun
	rl := fire(ctx, c.RPM*2+c.RPM/2, 2*len(gws), func(ctx context.Context, i int) shot {
		s := chat(ctx, gws[i%len(gws)], "sk-rl", fmt.Sprintf("rate %d", i), 8)
		s.gw = i % len(gws)
		return s
	})
	r.rl = count(rl)
	bud := fire(ctx, budgetShots, 2*len(gws), func(ctx context.Context, i int) shot {
		return chat(ctx, gws[i%len(gws)], "sk-bud", fmt.Sprintf("budget %d", i), 8)
	})
	r.bud = count(bud)
	return r
}

// checkLimits adds the limit checks: rl admitted its RPM (±1) across the gateways, bud spent at most its
// budget (read from the ledger) and was refused once spent.
func checkLimits(res *Result, c fleetConfig, r limitRun, l ledgerScan) {
	got := r.rl.ok()
	res.Check(fmt.Sprintf("rate limit %d rpm admits its limit ±1 across the gateways", c.RPM), got >= c.RPM-1 && got <= c.RPM+1, c.RPM, got)
	res.Check("rate limit: the rest refused with 429 rate_limit_exceeded", r.rl.byKind["429 rate_limit_exceeded"] == r.rl.sent-got,
		r.rl.sent-got, r.rl.byKind["429 rate_limit_exceeded"])
	var spent int64
	for _, id := range r.bud.ids {
		for _, rec := range l.byID[id] {
			spent += rec.CostMicros
		}
	}
	limit := int64(c.BudgetUSD * 1e6)
	res.Check(fmt.Sprintf("budget $%g: spend at or under it", c.BudgetUSD), spent <= limit && spent > 0, fmt.Sprintf("<= %d µ$", limit), spent)
	res.Check("budget: refused with 429 budget_exceeded once spent", r.bud.byKind["429 budget_exceeded"] > 0,
		"> 0", r.bud.byKind["429 budget_exceeded"])
	t := res.Table("Limits across the gateways", "key", "limit", "sent", "admitted", "outcomes", "spent (µ$)")
	t.Row("rl", fmt.Sprintf("%d rpm", c.RPM), r.rl.sent, got, r.rl.String(), "")
	t.Row("bud", fmt.Sprintf("$%g/day", c.BudgetUSD), r.bud.sent, r.bud.ok(), r.bud.String(), spent)
}

// loadRun sends n requests over the load tenants' keys, a third of them repeating one of a few
// deterministic prompts per tenant (so the cache hits), round-robin over the gateways.
func loadRun(ctx context.Context, gws []*Proc, tenants, n, workers int) tally {
	return count(fire(ctx, n, workers, func(ctx context.Context, i int) shot {
		t := i % tenants
		prompt := fmt.Sprintf("load %d for t%d", i, t)
		if i%3 == 0 {
			prompt = fmt.Sprintf("repeat %d for t%d", (i/3)%4, t)
		}
		return chat(ctx, gws[i%len(gws)], fmt.Sprintf("sk-load%d", t), prompt, 16)
	}))
}

func stopAll(ps []*Proc) {
	for _, p := range ps {
		_ = p.Stop()
	}
}

func runReplicas(ctx context.Context, env *Env, o Options) (*Result, error) {
	res := NewResult("replicas")
	mock, err := env.StartMock()
	if err != nil {
		return nil, err
	}
	rds, err := env.StartRedis(RedisOptions{})
	if err != nil {
		return nil, err
	}
	c := fleetConfig{Mock: mock.Addr, Redis: []string{rds.Addr}, Tenants: 6, RPM: o.SetInt("rpm", 60), BudgetUSD: 3}
	if o.Smoke {
		c.RPM = 20
	}
	gws, err := startFleet(env, 3, c.yaml())
	if err != nil {
		return nil, err
	}
	lr := runLimits(ctx, gws, c, o.Int(0, 60, 30))
	n := o.Int(o.Rate, 3000, 300) // -rate is the load phase's request count here
	start := time.Now()
	load := loadRun(ctx, gws, c.Tenants, n, 12)
	took := time.Since(start)
	ids := append(append(append([]string(nil), lr.rl.ids...), lr.bud.ids...), load.ids...)
	l, a, err := waitLedger(ctx, func() []string { return []string{rds.Addr} }, ids, 20*time.Second)
	if err != nil {
		return nil, err
	}
	stopAll(gws)
	checkLimits(res, c, lr, l)
	res.Check("load: every request answered 200", load.failed() == 0, 0, load.failed())
	checkAccounting(res, "replicas", a)
	t := res.Table("Three gateways on one Redis", "phase", "requests", "outcomes", "req/s")
	t.Row("load (6 tenants, a third cache repeats)", load.sent, load.String(), float64(load.sent)/took.Seconds())
	t.Row("ledger", a.sent, fmt.Sprintf("recorded %d, lost %d, doubled %d, unknown %d", a.recorded, a.lost, a.doubled, a.unknown), "")
	res.Note("Three gateways (same config) on one redis-server; requests round-robin over them. Limits: key rl %d rpm, key bud $%g/day at $%d per 1M tokens; the ledger is read from Redis's tg:ledger:* streams and matched to the x-request-id every answer carried.",
		c.RPM, c.BudgetUSD, fleetPrice)
	return res, nil
}
