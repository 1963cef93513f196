package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/evals/drift"
)

func TestEvalsDispatch(t *testing.T) {
	f := func(args []string, wantCode int, wantOut, wantErr string) {
		t.Helper()
		var out, errb bytes.Buffer
		code := run(args, nil, &out, &errb)
		if code != wantCode || !strings.Contains(out.String(), wantOut) || !strings.Contains(errb.String(), wantErr) {
			t.Errorf("%v: exit %d, out %q, err %q", args, code, out.String(), errb.String())
		}
	}
	f([]string{"evals"}, 2, "", "usage: tollgate evals")
	f([]string{"evals", "nope"}, 2, "", `unknown command "nope"`)
	dir := t.TempDir()
	file := filepath.Join(dir, "a.jsonl")
	var lines []string
	for i := 0; i < 30; i++ {
		b, _ := json.Marshal(map[string]string{"prompt": strings.Repeat("word ", i%7+1) + "question?"})
		lines = append(lines, string(b))
	}
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	f([]string{"evals", "drift", "--baseline", file, "--current", file, "--no-text"}, 0, `"drift":false`, "")
	f([]string{"evals", "drift", "--baseline", file, "--current", filepath.Join(dir, "missing")}, 2, "", "missing")
}

// With evals.drift enabled the monitor's status reaches /v1/health/models
// and /ui (warming up: nothing sampled yet).
func TestDriftMonitorWired(t *testing.T) {
	cfg, err := config.Load("")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Evals.Drift.Enabled = true
	a, addr := serveApp(t, cfg, slog.Default())
	if a.drift == nil {
		t.Fatal("no monitor")
	}
	get := func(path string, v any) {
		t.Helper()
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	var models struct {
		Models []struct{ Model, Drift string }
	}
	get("/v1/health/models", &models)
	found := false
	for _, m := range models.Models {
		if m.Model == "mock-gpt" {
			found = m.Drift == drift.StatusWarmingUp
		}
	}
	if !found {
		t.Errorf("mock-gpt drift status: %+v", models)
	}
	var ui struct {
		Sources map[string]json.RawMessage
	}
	get("/ui/data.json", &ui)
	var src struct{ Status string }
	if err := json.Unmarshal(ui.Sources["drift"], &src); err != nil || src.Status != drift.StatusWarmingUp {
		t.Errorf("/ui drift source: %s (%v)", ui.Sources["drift"], err)
	}
}
