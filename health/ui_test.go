package health

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

const chromiumPath = "/usr/bin/chromium"

func uiRegistry(t *testing.T) *Registry {
	t.Helper()
	r := newTestRegistry(t, testOptions(), nil)
	feed(r, "mock-gpt", "primary", 9, okRecord(400*time.Millisecond))
	feed(r, "mock-gpt", "primary", 1, Record{Status: 504, ErrKind: ErrTimeout, Duration: 30 * time.Second})
	feed(r, "mock-gpt", "backup", 12, Record{Status: 502, ErrKind: ErrUpstream5xx, Duration: time.Second})
	hit := okRecord(2 * time.Millisecond)
	hit.Cache = "hit"
	feed(r, "mock-embed", "local", 5, hit)
	r.evaluate()
	r.AddUISource("policy", func() any {
		return map[string]any{"revision": "rev-42", "loaded_at": "2026-11-23T12:00:00Z", "evaluator": "compiled"}
	})
	r.AddUISource("drift", func() any { return map[string]any{"status": "stable", "max_psi": 0.03} })
	r.AddUISource("cost_by_tenant", func() any {
		return []map[string]any{{"tenant": "acme", "team": "search", "cost_usd": 12.5}, {"tenant": "globex", "team": "ads", "cost_usd": 3.25}}
	})
	r.AddUISource("ledger_queue", func() any { return map[string]any{"depth": 7, "spilled": 0} })
	r.AddUISource("drift", func() any { return map[string]any{"status": "stable"} }) // replaces, keeps order
	return r
}

func TestUIServesEmbeddedFilesAndData(t *testing.T) {
	r := uiRegistry(t)
	c := serveInMemory(t, r.ServeUI)
	f := func(uri string, wantCode int, wantType, wantBody string) {
		t.Helper()
		code, ctype, body := get(t, c, "GET", uri)
		if code != wantCode || !strings.HasPrefix(ctype, wantType) || !strings.Contains(body, wantBody) {
			t.Fatalf("GET %s: %d %q, body %.200q; want %d %q containing %q", uri, code, ctype, body, wantCode, wantType, wantBody)
		}
	}
	f("/ui", 302, "", "")
	f("/ui/", 200, "text/html", `<script src="app.js"></script>`)
	f("/ui/app.js", 200, "text/javascript", "data.json")
	f("/ui/style.css", 200, "text/css", "table")
	f("/ui/missing.js", 404, "", "")
	f("/ui/../registry.go", 404, "", "")
	f("/ui/data.json", 200, "application/json", `"rev-42"`)

	_, _, body := get(t, c, "GET", "/ui/data.json")
	var d struct {
		Models      []ModelHealth  `json:"models"`
		Alerts      []AlertEvent   `json:"alerts"`
		TenantCosts []TenantCost   `json:"tenant_costs_since_start"`
		CacheHit    float64        `json:"cache_hit_rate_5m"`
		SourceOrder []string       `json:"source_order"`
		Sources     map[string]any `json:"sources"`
	}
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Models) != 2 || d.Models[0].Requests != 22 || len(d.Alerts) == 0 {
		t.Fatalf("data.json models/alerts: %+v", d)
	}
	// 5 hits of 15 cache lookups (9 misses + 1 miss from failures count only where Cache is set).
	if d.CacheHit <= 0 || d.CacheHit >= 1 {
		t.Fatalf("cache hit rate %v", d.CacheHit)
	}
	if len(d.TenantCosts) != 1 || d.TenantCosts[0].Tenant != "acme" {
		t.Fatalf("tenant costs %+v", d.TenantCosts)
	}
	if strings.Join(d.SourceOrder, ",") != "policy,drift,cost_by_tenant,ledger_queue" {
		t.Fatalf("source order %v", d.SourceOrder)
	}
}

// TestUIRendersLiveDataInChromium loads /ui/ in headless Chromium and checks the rendered DOM shows the live rows.
// Set HEALTH_UI_SCREENSHOT=/path/file.png to keep a screenshot.
func TestUIRendersLiveDataInChromium(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("skipping: %s not installed (apt-get install -y chromium)", chromiumPath)
	}
	r := uiRegistry(t)
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: r.ServeUI}
	go srv.Serve(ln) //nolint:errcheck // ends at Shutdown
	defer srv.Shutdown()
	url := "http://" + ln.Addr().String() + "/ui/"

	dom := runChromium(t, "--dump-dom", url)
	for _, want := range []string{
		`data-name="mock-gpt"`, `data-name="primary"`, `data-name="backup"`, `data-name="mock-embed"`,
		">22<",                      // mock-gpt requests in the 1m window
		">unhealthy<",               // backup deployment status
		">degraded<",                // mock-gpt model status
		"policy: rev-42 (compiled)", // serving policy revision and evaluator
		"drift: stable",             // drift status
		"cache hit rate (5m)",       // cache badge
		">search<", ">12.5<",        // cost by tenant/team from the ledger source
		"TollgateDeploymentUnhealthy", // recent alerts
		`data-source="ledger_queue"`,  // generic source card
		`<td class="spark"><svg`,      // last-hour sparklines
		`<polyline points=`,
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered DOM lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("DOM:\n%s", dom)
	}

	shot := os.Getenv("HEALTH_UI_SCREENSHOT")
	if shot == "" {
		shot = filepath.Join(t.TempDir(), "ui.png")
	}
	runChromium(t, "--screenshot="+shot, "--window-size=1400,1000", url)
	if st, err := os.Stat(shot); err != nil || st.Size() < 10_000 {
		t.Fatalf("screenshot %s missing or tiny: %v", shot, err)
	}
}

func runChromium(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir(), "--virtual-time-budget=3000"}
	cmd := exec.CommandContext(ctx, chromiumPath, append(base, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return string(out)
}

// The page must work offline: no file may reference another origin.
func TestUIHasNoExternalAssets(t *testing.T) {
	entries, err := uiFiles.ReadDir("ui")
	if err != nil || len(entries) < 3 {
		t.Fatalf("embedded ui dir: %v, %d files", err, len(entries))
	}
	for _, e := range entries {
		b, err := uiFiles.ReadFile("ui/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"http://", "https://", "//cdn", "@import"} {
			if strings.Contains(string(b), bad) {
				t.Fatalf("ui/%s references %q: the page must work offline", e.Name(), bad)
			}
		}
	}
}
