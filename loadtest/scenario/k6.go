package scenario

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

func init() {
	Register(Scenario{Name: "k6", Run: runK6, SmokeTimeout: 30 * time.Second,
		About: "runs loadtest/k6/{chat,stream,embeddings,mixed}.js with k6 (when on PATH) against mockllm and a gateway with loadtest/k6/mixed.yaml; smoke: the scripts' syntax (node --check)"})
}

// k6Scripts are the k6 suites, each with its key and rate.
var k6Scripts = []struct {
	file string
	key  string
	rate int
}{
	{"chat.js", "sk-acme-research", 500},
	{"stream.js", "sk-acme-support", 100},
	{"embeddings.js", "sk-acme-research", 500},
	{"mixed.js", "", 200},
}

// runK6 runs each k6 script once against one gateway and reports k6's own
// figures per kind. k6 is not installed by the runner: the module is
// AGPL-licensed, which this repository's dependency rules leave out; a
// user who has k6 (e.g. `go install go.k6.io/k6@v1.8.1`) gets it used.
func runK6(ctx context.Context, env *Env, o Options) (*Result, error) {
	res := NewResult("k6")
	if o.Smoke {
		return k6Syntax(ctx, env, res)
	}
	bin, err := findK6()
	if err != nil {
		return nil, err
	}
	d := o.Dur(20*time.Second, 0)
	_, gw, err := mixedGateway(env)
	if err != nil {
		return nil, err
	}
	t := res.Table(fmt.Sprintf("k6 against one gateway (loadtest/k6/mixed.yaml), constant-arrival-rate, %s each; k6's trend figures in ms", d),
		"script", "rate/s", "metric", "med", "p(90)", "p(99)", "max", "thresholds")
	for _, s := range k6Scripts {
		rate := o.Int(o.Rate, s.rate, s.rate)
		summary := filepath.Join(env.Dir(), strings.TrimSuffix(s.file, ".js")+"-summary.json")
		args := []string{"run", "--quiet", "--no-color", "--summary-export", summary, "--summary-trend-stats", "med,p(90),p(99),max",
			"-e", "BASE=http://" + gw.Addr, "-e", fmt.Sprintf("RATE=%d", rate), "-e", "DURATION=" + d.String()}
		if s.key != "" {
			args = append(args, "-e", "KEY="+s.key)
		}
		cmd := command(ctx, bin, append(args, filepath.Join(env.Root(), "loadtest", "k6", s.file))...)
		out, runErr := cmd.CombinedOutput()
		code := 0
		if ee := (*exec.ExitError)(nil); errors.As(runErr, &ee) {
			code = ee.ExitCode()
		} else if runErr != nil {
			return nil, fmt.Errorf("k6 %s: %v", s.file, runErr)
		}
		// k6 exits 99 when a threshold failed.
		res.Check(s.file+": k6 thresholds hold", code == 0, "exit 0", fmt.Sprintf("exit %d", code))
		if code != 0 && code != 99 {
			res.Note("%s: %s", s.file, lastLines(string(out), 8, " / "))
		}
		metrics, err := readK6Summary(summary)
		if err != nil {
			return nil, fmt.Errorf("k6 %s summary: %w", s.file, err)
		}
		for _, name := range metrics.trendNames() {
			m := metrics.Metrics[name]
			t.Row(s.file, rate, name, m.num("med"), m.num("p(90)"), m.num("p(99)"), m.num("max"), m.thresholds())
		}
	}
	return res, nil
}

// findK6 looks on PATH and in GOPATH/bin (where go install puts it).
func findK6() (string, error) {
	if p, err := exec.LookPath("k6"); err == nil {
		return p, nil
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		p := filepath.Join(strings.TrimSpace(string(out)), "bin", "k6")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("k6 is not installed; the runner does not install it (go.k6.io/k6 is AGPL-licensed, outside this repository's dependency rules): install it yourself, e.g. `go install go.k6.io/k6@v1.8.1`, then run `loadtest/run k6`; the `mixed` scenario sends the same mix without k6")
}

type k6Summary struct {
	Metrics map[string]k6Metric `json:"metrics"`
}

type k6Metric map[string]any

func (m k6Metric) num(k string) any {
	if v, ok := m[k].(float64); ok {
		return v
	}
	return "-"
}

// thresholds says "ok" or lists the failed ones (k6 marks a crossed
// threshold true in the summary export).
func (m k6Metric) thresholds() string {
	th, ok := m["thresholds"].(map[string]any)
	if !ok {
		return ""
	}
	var failed []string
	for expr, crossed := range th {
		if b, _ := crossed.(bool); b {
			failed = append(failed, expr)
		}
	}
	if len(failed) == 0 {
		return "ok"
	}
	sort.Strings(failed)
	return "FAILED " + strings.Join(failed, ", ")
}

// trendNames are the latency metrics worth a row: durations (overall and
// per kind) and the scripts' own trends.
func (s *k6Summary) trendNames() []string {
	var out []string
	for name, m := range s.Metrics {
		if _, ok := m["med"]; !ok {
			continue
		}
		if strings.HasPrefix(name, "http_req_duration") || strings.HasPrefix(name, "tollgate_") || strings.HasPrefix(name, "http_req_waiting") && strings.Contains(name, "kind:") {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

func readK6Summary(path string) (*k6Summary, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s k6Summary
	return &s, json.Unmarshal(b, &s)
}

// k6Syntax checks every script parses as a JavaScript module (node --check;
// k6 itself is not needed in the smoke).
func k6Syntax(ctx context.Context, env *Env, res *Result) (*Result, error) {
	t := res.Table("k6 scripts (smoke: syntax only)", "script", "checked by")
	node, err := exec.LookPath("node")
	for _, s := range k6Scripts {
		src := filepath.Join(env.Root(), "loadtest", "k6", s.file)
		if err != nil {
			t.Row(s.file, "not checked: node is not installed")
			continue
		}
		// As a module (.mjs): the scripts use import/export.
		mjs := filepath.Join(env.Dir(), strings.TrimSuffix(s.file, ".js")+".mjs")
		b, rerr := os.ReadFile(src)
		if rerr != nil {
			return nil, rerr
		}
		if werr := os.WriteFile(mjs, b, 0o644); werr != nil {
			return nil, werr
		}
		out, cerr := command(ctx, node, "--check", mjs).CombinedOutput()
		res.Check(s.file+" parses", cerr == nil, "node --check ok", strings.TrimSpace(string(out)+" "+errText(cerr)))
		t.Row(s.file, "node --check")
	}
	if err != nil {
		res.Note("node not installed: the k6 scripts' syntax was not checked")
	}
	return res, nil
}

// lastLines keeps the last n lines of s, joined by sep.
func lastLines(s string, n int, sep string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, sep)
}
