package health

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

const deployDir = "../deploy"

func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("skipping: promtool not installed (apt-get install -y prometheus)")
	}
	return p
}

func runPromtool(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(promtool(t), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool %v failed: %v\n%s", args, err, out)
	}
	return string(out)
}

func TestAlertRulesPassPromtool(t *testing.T) {
	out := runPromtool(t, "check", "rules", filepath.Join(deployDir, "prometheus/alerts.yaml"))
	if !strings.Contains(out, "SUCCESS") {
		t.Fatalf("promtool check rules: %s", out)
	}
	// Unit tests of the rules (firing conditions, labels, rendered annotations).
	out = runPromtool(t, "test", "rules", filepath.Join(deployDir, "prometheus/alerts_test.yaml"))
	if !strings.Contains(out, "SUCCESS") {
		t.Fatalf("promtool test rules: %s", out)
	}
}

type dashboard struct {
	UID        string `json:"uid"`
	Templating struct {
		List []struct {
			Name string `json:"name"`
		} `json:"list"`
	} `json:"templating"`
	Panels []struct {
		ID         int    `json:"id"`
		Type       string `json:"type"`
		Title      string `json:"title"`
		Datasource struct {
			UID string `json:"uid"`
		} `json:"datasource"`
		GridPos struct{ X, Y, W, H int } `json:"gridPos"`
		Targets []struct {
			RefID string `json:"refId"`
			Expr  string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
}

func loadDashboard(t *testing.T) dashboard {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(deployDir, "grafana/tollgate-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("dashboard JSON: %v", err)
	}
	return d
}

func dashboardExprs(t *testing.T) []string {
	var exprs []string
	for _, p := range loadDashboard(t).Panels {
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
	}
	return exprs
}

func TestDashboardStructure(t *testing.T) {
	d := loadDashboard(t)
	if d.UID == "" || len(d.Panels) < 10 {
		t.Fatalf("uid %q, %d panels", d.UID, len(d.Panels))
	}
	vars := map[string]bool{}
	for _, v := range d.Templating.List {
		vars[v.Name] = true
	}
	if !vars["datasource"] || !vars["model"] {
		t.Fatalf("dashboard needs $datasource and $model variables, has %v", vars)
	}
	ids := map[int]bool{}
	for _, p := range d.Panels {
		if ids[p.ID] {
			t.Fatalf("duplicate panel id %d", p.ID)
		}
		ids[p.ID] = true
		if p.GridPos.W == 0 || p.GridPos.X+p.GridPos.W > 24 {
			t.Fatalf("panel %q has bad gridPos %+v", p.Title, p.GridPos)
		}
		if p.Type == "row" {
			continue
		}
		if p.Datasource.UID != "${datasource}" || len(p.Targets) == 0 {
			t.Fatalf("panel %q: datasource %q, %d targets", p.Title, p.Datasource.UID, len(p.Targets))
		}
		for _, tg := range p.Targets {
			if strings.TrimSpace(tg.Expr) == "" || tg.RefID == "" {
				t.Fatalf("panel %q has an empty target", p.Title)
			}
		}
	}
	// The required views.
	all := strings.Join(dashboardExprs(t), "\n")
	for _, want := range []string{"tollgate_request_duration_seconds_bucket", "tollgate_upstream_ttft_seconds_bucket",
		"tollgate_upstream_errors_total", "tollgate_output_tokens_per_second_bucket", "sum by (tenant) (rate(tollgate_cost_usd_total",
		`result="hit"`, "tollgate_policy_decisions_total", "tollgate_filter_findings_total"} {
		if !strings.Contains(all, want) {
			t.Fatalf("dashboard lacks a query using %q", want)
		}
	}
}

// TestDashboardQueriesArePromQL feeds every dashboard query (template variables substituted) to promtool as a
// recording rule, which makes promtool parse it.
func TestDashboardQueriesArePromQL(t *testing.T) {
	promtool(t)
	r := strings.NewReplacer("$__rate_interval", "5m", "$__range", "1d", "$model", ".*")
	type rule struct {
		Record string `yaml:"record"`
		Expr   string `yaml:"expr"`
	}
	var rules []rule
	for i, e := range dashboardExprs(t) {
		rules = append(rules, rule{Record: fmt.Sprintf("dashboard:query_%d", i), Expr: r.Replace(e)})
	}
	doc := map[string]any{"groups": []any{map[string]any{"name": "dashboard", "rules": rules}}}
	b, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "dashboard-rules.yaml")
	if err := os.WriteFile(f, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out := runPromtool(t, "check", "rules", f)
	if !strings.Contains(out, fmt.Sprintf("SUCCESS: %d rules found", len(rules))) {
		t.Fatalf("promtool on dashboard queries: %s", out)
	}
}

func alertRuleExprs(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(deployDir, "prometheus/alerts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Groups []struct {
			Rules []struct {
				Expr string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var exprs []string
	for _, g := range doc.Groups {
		for _, r := range g.Rules {
			exprs = append(exprs, r.Expr)
		}
	}
	if len(exprs) == 0 {
		t.Fatal("no alert rules found")
	}
	return exprs
}

var metricNameRe = regexp.MustCompile(`tollgate_[a-z0-9_]+`)

// knownMetric reports whether a name used in a query is exported by this package or documented as another's.
func knownMetric(name string) bool {
	own := func(n string) bool {
		return slices.Contains(ExportedMetricNames, n) || slices.Contains(ExternalMetricNames, n)
	}
	if own(name) {
		return true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		// Only histograms (never counters: *_total, or gauges) have these series.
		if base, ok := strings.CutSuffix(name, suffix); ok && own(base) && !strings.HasSuffix(base, "_total") && isHistogramFamily(base) {
			return true
		}
	}
	for _, p := range ExternalMetricPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func TestDeployQueriesUseExportedMetricNames(t *testing.T) {
	check := func(where string, exprs []string) {
		t.Helper()
		used := 0
		for _, e := range exprs {
			for _, name := range metricNameRe.FindAllString(e, -1) {
				used++
				if !knownMetric(name) {
					t.Errorf("%s uses %s, which no package exports (see health/metricnames.go)", where, name)
				}
			}
		}
		if used == 0 {
			t.Fatalf("%s uses no tollgate metrics", where)
		}
	}
	check("grafana/tollgate-dashboard.json", dashboardExprs(t))
	check("prometheus/alerts.yaml", alertRuleExprs(t))
	if knownMetric("tollgate_made_up_total") || knownMetric("tollgate_requests_total_bucket") {
		t.Fatal("knownMetric accepts names nobody exports")
	}
}

// TestExportedMetricNamesMatchRegistry keeps metricnames.go honest: after exercising every code path, the
// families registered are exactly ExportedMetricNames.
func TestExportedMetricNamesMatchRegistry(t *testing.T) {
	r := newTestRegistry(t, testOptions(), nil)
	m := r.Model("mock-gpt")
	r.Record(&Record{Model: m, Deployment: m.Deployment("primary"), Tenant: "acme", Status: 502, ErrKind: ErrUpstream5xx,
		Duration: time.Second, TTFT: time.Millisecond, InterTokenMean: time.Millisecond, PromptTokens: 1,
		CompletionTokens: 1, CostMicros: 1, Cache: "miss"})
	families := map[string]bool{}
	for _, n := range r.set.ListMetricNames() {
		if i := strings.IndexByte(n, '{'); i >= 0 {
			n = n[:i]
		}
		families[n] = true
	}
	var got []string
	for f := range families {
		got = append(got, f)
	}
	sort.Strings(got)
	want := slices.Clone(ExportedMetricNames)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Fatalf("registered families\n%v\ndiffer from ExportedMetricNames\n%v", got, want)
	}
}

// TestK8sManifestsConsistent checks the manifests reference each other correctly (no cluster needed).
func TestK8sManifestsConsistent(t *testing.T) {
	dir := filepath.Join(deployDir, "k8s")
	var kust struct {
		Resources          []string `yaml:"resources"`
		ConfigMapGenerator []struct {
			Name  string   `yaml:"name"`
			Files []string `yaml:"files"`
		} `yaml:"configMapGenerator"`
	}
	readYAML(t, filepath.Join(dir, "kustomization.yaml"), func(dec *yaml.Decoder) error { return dec.Decode(&kust) })

	type object struct {
		Kind     string `yaml:"kind"`
		Metadata struct {
			Name string `yaml:"name"`
		} `yaml:"metadata"`
		Spec yaml.Node `yaml:"spec"`
	}
	objs := map[string]object{}
	for _, f := range kust.Resources {
		readYAML(t, filepath.Join(dir, f), func(dec *yaml.Decoder) error {
			for {
				var o object
				if err := dec.Decode(&o); errors.Is(err, io.EOF) {
					return nil
				} else if err != nil {
					return err
				}
				if o.Kind == "" || o.Metadata.Name == "" {
					return fmt.Errorf("object without kind or name")
				}
				objs[o.Kind+"/"+o.Metadata.Name] = o
			}
		})
	}
	for _, want := range []string{"Deployment/tollgate", "Service/tollgate", "StatefulSet/redis", "Service/redis", "PodDisruptionBudget/tollgate", "HorizontalPodAutoscaler/tollgate"} {
		if _, ok := objs[want]; !ok {
			t.Fatalf("manifests lack %s (have %v)", want, keys(objs))
		}
	}
	var dep struct {
		Replicas int `yaml:"replicas"`
		Template struct {
			Spec struct {
				Containers []struct {
					Args           []string                `yaml:"args"`
					Ports          []struct{ Name string } `yaml:"ports"`
					ReadinessProbe struct {
						HTTPGet struct{ Path string } `yaml:"httpGet"`
					} `yaml:"readinessProbe"`
					LivenessProbe struct {
						HTTPGet struct{ Path string } `yaml:"httpGet"`
					} `yaml:"livenessProbe"`
				} `yaml:"containers"`
				Volumes []struct {
					ConfigMap struct{ Name string } `yaml:"configMap"`
				} `yaml:"volumes"`
			} `yaml:"spec"`
		} `yaml:"template"`
	}
	spec := objs["Deployment/tollgate"].Spec
	if err := spec.Decode(&dep); err != nil {
		t.Fatal(err)
	}
	c := dep.Template.Spec.Containers[0]
	if dep.Replicas < 2 || c.ReadinessProbe.HTTPGet.Path != "/readyz" || c.LivenessProbe.HTTPGet.Path != "/healthz" || c.Ports[0].Name != "http" {
		t.Fatalf("tollgate Deployment: replicas %d, probes %q/%q, port %q", dep.Replicas, c.ReadinessProbe.HTTPGet.Path, c.LivenessProbe.HTTPGet.Path, c.Ports[0].Name)
	}
	if len(kust.ConfigMapGenerator) != 1 || dep.Template.Spec.Volumes[0].ConfigMap.Name != kust.ConfigMapGenerator[0].Name {
		t.Fatal("the Deployment must mount the generated config map")
	}
	var cfg struct {
		Redis struct {
			Addrs []string `yaml:"addrs"`
		} `yaml:"redis"`
	}
	readYAML(t, filepath.Join(dir, kust.ConfigMapGenerator[0].Files[0]), func(dec *yaml.Decoder) error { return dec.Decode(&cfg) })
	if len(cfg.Redis.Addrs) == 0 {
		t.Fatal("config for many replicas must use Redis")
	}
	host, _, _ := strings.Cut(cfg.Redis.Addrs[0], ":")
	if _, ok := objs["Service/"+host]; !ok {
		t.Fatalf("config points to Redis host %q but no Service has that name", host)
	}
	if !slices.Contains(c.Args, "/etc/tollgate/"+kust.ConfigMapGenerator[0].Files[0]) {
		t.Fatalf("container args %v do not load the mounted config", c.Args)
	}
}

func readYAML(t *testing.T, path string, fn func(*yaml.Decoder) error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := fn(yaml.NewDecoder(f)); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func isHistogramFamily(name string) bool {
	for _, h := range histDefs {
		if h.name == name {
			return true
		}
	}
	return name == "tollgate_policy_eval_seconds" // policy package's histogram
}
