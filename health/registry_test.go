package health

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func testOptions() Options {
	return Options{
		Models: []ModelSpec{
			{Name: "mock-gpt", Deployments: []string{"primary", "backup"}},
			{Name: "mock-embed", Deployments: []string{"local"}},
		},
		Tenants: []string{"acme", "globex"},
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	f := func(o Options, wantSubstr string) {
		t.Helper()
		_, err := New(o)
		if err == nil {
			t.Fatalf("New accepted options that should fail with %q", wantSubstr)
		}
		if !strings.Contains(err.Error(), wantSubstr) {
			t.Fatalf("error %q does not mention %q", err, wantSubstr)
		}
	}
	f(Options{Models: []ModelSpec{{Name: ""}}}, "models[0].name: must not be empty")
	f(Options{Models: []ModelSpec{{Name: "a"}, {Name: "a"}}}, `duplicate model "a"`)
	f(Options{Models: []ModelSpec{{Name: "other"}}}, "reserved")
	f(Options{Models: []ModelSpec{{Name: "a", Deployments: []string{"x", "x"}}}}, "reserved or duplicate")
	f(Options{Models: []ModelSpec{{Name: "a", SLO: SLO{MaxErrorRate: 1.5}}}}, "outside 0..1")
	f(Options{Models: []ModelSpec{{Name: "bad\nname"}}}, "control character")
	f(Options{Tenants: []string{strings.Repeat("t", 300)}}, "longer than")
	f(Options{Push: PushOptions{URL: "ftp://x"}}, "push.url")
	f(Options{Push: PushOptions{URL: "http://127.0.0.1:1/x", ExtraLabels: map[string]string{"bad-label": "v"}}}, "valid Prometheus label name")
	f(Options{Alerts: AlertOptions{AlertmanagerURL: "http://"}}, "has no host")
	f(Options{Alerts: AlertOptions{WebhookURL: "https://user:secret@/x"}}, "webhook_url")
	// Secrets in URLs are redacted in errors.
	_, err := New(Options{Alerts: AlertOptions{WebhookURL: "gopher://user:hunter2@host/x"}})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("error must exist and hide the password: %v", err)
	}
}

func TestLookupsAndRecordMetrics(t *testing.T) {
	r := newTestRegistry(t, testOptions(), nil)
	m := r.Model("mock-gpt")
	if m.Name() != "mock-gpt" || m.Deployment("primary").Name() != "primary" {
		t.Fatalf("lookup returned %q/%q", m.Name(), m.Deployment("primary").Name())
	}
	if r.Model("gpt-unknown") != r.Model("another-unknown") || r.Model("x").Name() != OtherLabel {
		t.Fatal("unknown models must share the other handle")
	}
	if m.Deployment("nope").Name() != OtherLabel {
		t.Fatal("unknown deployment must map to other")
	}
	if len(m.Deployments()) != 2 || len(r.Models()) != 2 {
		t.Fatalf("Deployments()=%d Models()=%d", len(m.Deployments()), len(r.Models()))
	}

	rec := Record{Model: m, Deployment: m.Deployment("primary"), Tenant: "acme", Status: 200,
		Duration: 1200 * time.Millisecond, TTFT: 200 * time.Millisecond, InterTokenMean: 10 * time.Millisecond,
		PromptTokens: 30, CompletionTokens: 100, CostMicros: 2_500_000, Cache: "miss", Stream: true}
	r.Record(&rec)
	rec2 := Record{Model: m, Deployment: m.Deployment("backup"), Tenant: "stranger", Status: 502, ErrKind: ErrUpstream5xx, Duration: 3 * time.Second, CostMicros: 500_000, Cache: "hit"}
	r.Record(&rec2)
	r.Record(&Record{Status: 418, ErrKind: "weird-kind"}) // nil handles → other/other

	got := scrape(t, r)
	f := func(series string, want float64) {
		t.Helper()
		if v, ok := got[series]; !ok || v != want {
			t.Fatalf("%s = %v (present %v), want %v", series, v, ok, want)
		}
	}
	f(`tollgate_requests_total{model="mock-gpt",deployment="primary",status="2xx"}`, 1)
	f(`tollgate_requests_total{model="mock-gpt",deployment="backup",status="502"}`, 1)
	f(`tollgate_requests_total{model="other",deployment="other",status="4xx"}`, 1)
	f(`tollgate_upstream_errors_total{model="mock-gpt",deployment="backup",kind="upstream_5xx"}`, 1)
	f(`tollgate_upstream_errors_total{model="other",deployment="other",kind="other"}`, 1)
	f(`tollgate_tokens_total{model="mock-gpt",direction="input"}`, 30)
	f(`tollgate_tokens_total{model="mock-gpt",direction="output"}`, 100)
	f(`tollgate_cost_usd_total{model="mock-gpt",tenant="acme"}`, 2.5)
	f(`tollgate_cost_usd_total{model="mock-gpt",tenant="other"}`, 0.5)
	f(`tollgate_cache_requests_total{model="mock-gpt",result="miss"}`, 1)
	f(`tollgate_cache_requests_total{model="mock-gpt",result="hit"}`, 1)
	f(`tollgate_request_duration_seconds_count{model="mock-gpt",deployment="primary"}`, 1)
	f(`tollgate_request_duration_seconds_bucket{model="mock-gpt",deployment="primary",le="2.5"}`, 1)
	f(`tollgate_request_duration_seconds_bucket{model="mock-gpt",deployment="primary",le="1"}`, 0)
	f(`tollgate_upstream_ttft_seconds_bucket{model="mock-gpt",deployment="primary",le="0.2"}`, 1)
	f(`tollgate_inter_token_latency_seconds_count{model="mock-gpt",deployment="primary"}`, 1)
	// 100 tokens over 1.0 s of generation (1.2 s minus 0.2 s TTFT).
	f(`tollgate_output_tokens_per_second_sum{model="mock-gpt",deployment="primary"}`, 100)

	m.InFlight(3)
	m.InFlight(-1)
	m.Deployment("backup").SetCircuit(CircuitOpen)
	got = scrape(t, r)
	f(`tollgate_in_flight_requests{model="mock-gpt"}`, 2)
	f(`tollgate_circuit_state{model="mock-gpt",deployment="backup"}`, CircuitOpen)
	f(`tollgate_model_health{model="mock-gpt",status="healthy"}`, 1)
	f(`tollgate_model_health{model="mock-gpt",status="unhealthy"}`, 0)
	f(`tollgate_deployment_health{model="mock-gpt",deployment="primary",status="healthy"}`, 1)
}

// Thousands of client-chosen model names, deployments, tenants, kinds and statuses must not create series.
func TestCardinalityBoundedWhateverClientsSend(t *testing.T) {
	r := newTestRegistry(t, testOptions(), nil)
	// Exercise every configured combination once so the bound below is the real maximum.
	for _, model := range []string{"mock-gpt", "mock-embed"} {
		feed(r, model, "primary", 1, okRecord(time.Second))
	}
	base := len(scrape(t, r))
	for i := 0; i < 10_000; i++ {
		m := r.Model(fmt.Sprintf("client-model-%d", i))
		r.Record(&Record{
			Model: m, Deployment: m.Deployment(fmt.Sprintf("dep-%d", i)),
			Tenant: fmt.Sprintf("tenant-%d", i), Status: 200 + i%400, ErrKind: fmt.Sprintf("kind-%d", i%50),
			Duration: time.Duration(i) * time.Millisecond, CostMicros: 1, Cache: fmt.Sprintf("c%d", i%7),
			PromptTokens: 1, CompletionTokens: 1,
		})
	}
	got := scrape(t, r)
	if n := len(got); n > base+200 {
		t.Fatalf("series grew from %d to %d after 10,000 distinct client names", base, n)
	}
	for k := range got {
		if strings.Contains(k, "client-model") || strings.Contains(k, "tenant-") || strings.Contains(k, "dep-") || strings.Contains(k, "kind-") {
			t.Fatalf("client-supplied value leaked into a label: %s", k)
		}
	}
	if v := got[`tollgate_cost_usd_total{model="other",tenant="other"}`]; v < 0.0099 || v > 0.0101 {
		t.Fatalf("other/other cost = %v, want 0.01 (10,000 × 1 µ$)", v)
	}
}

func TestReloadKeepsHandlesAndDropsRemovedSeries(t *testing.T) {
	clk := newFakeClock()
	r := newTestRegistry(t, testOptions(), clk)
	gpt := r.Model("mock-gpt")
	primary := gpt.Deployment("primary")
	staleBackup := gpt.Deployment("backup")
	feed(r, "mock-gpt", "primary", 3, okRecord(time.Second))
	feed(r, "mock-gpt", "backup", 1, okRecord(time.Second))
	feed(r, "mock-embed", "local", 1, okRecord(time.Second))

	err := r.Reload(Options{
		Models:  []ModelSpec{{Name: "mock-gpt", Deployments: []string{"primary", "eu"}, SLO: SLO{MaxErrorRate: 0.01}}, {Name: "new-model", Deployments: []string{"d"}}},
		Tenants: []string{"acme", "initech"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Model("mock-gpt") != gpt || gpt.Deployment("primary") != primary {
		t.Fatal("unchanged names must keep their handles")
	}
	if gpt.slo.Load().MaxErrorRate != 0.01 {
		t.Fatal("SLO not updated by Reload")
	}
	if r.Model("mock-embed").Name() != OtherLabel || gpt.Deployment("backup").Name() != OtherLabel {
		t.Fatal("removed names must map to other")
	}
	feed(r, "new-model", "d", 1, Record{Status: 200, Tenant: "initech", CostMicros: 7})
	got := scrape(t, r)
	if got[`tollgate_requests_total{model="mock-gpt",deployment="primary",status="2xx"}`] != 3 {
		t.Fatal("kept deployment lost its counter value")
	}
	for k := range got {
		if strings.Contains(k, `model="mock-embed"`) || strings.Contains(k, `deployment="backup"`) {
			t.Fatalf("removed series still exported: %s", k)
		}
	}
	if got[`tollgate_cost_usd_total{model="new-model",tenant="initech"}`] != 7e-6 {
		t.Fatal("new model/tenant not exported")
	}
	snap := r.Snapshot()
	if snap[0].Model != "mock-gpt" || snap[0].Requests != 3 || snap[1].Model != "new-model" {
		t.Fatalf("snapshot after reload: %+v", snap)
	}
	// A stale handle of a removed deployment keeps working without exporting or panicking; re-adding the name works.
	r.Record(&Record{Model: gpt, Deployment: staleBackup, Status: 500, ErrKind: ErrTimeout})
	for k := range scrape(t, r) {
		if strings.Contains(k, `deployment="backup"`) {
			t.Fatalf("stale handle re-exported a removed deployment: %s", k)
		}
	}
	if err := r.Reload(testOptions()); err != nil {
		t.Fatal(err)
	}
	feed(r, "mock-embed", "local", 1, okRecord(time.Second))
	if scrape(t, r)[`tollgate_requests_total{model="mock-embed",deployment="local",status="2xx"}`] != 1 {
		t.Fatal("re-added model must export fresh series")
	}
	if err := r.Reload(Options{Models: []ModelSpec{{Name: ""}}}); err == nil {
		t.Fatal("Reload accepted invalid options")
	}
	if r.Model("mock-gpt") != gpt {
		t.Fatal("failed Reload must not change anything")
	}
}
