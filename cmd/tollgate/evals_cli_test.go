package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

// Samples the evals stage writes feed the drift monitor: with a baseline
// of the first 20 samples and a window of 20 (the fewest a test needs), a comparison runs once enough
// requests passed, and the refusal and sentiment scorers are plugged in.
func TestSampledTrafficFeedsDriftMonitor(t *testing.T) {
	cfg, err := config.Load("")
	if err != nil {
		t.Fatal(err)
	}
	one := 1.0
	cfg.Evals.Enabled, cfg.Evals.SampleRate = true, &one
	cfg.Evals.MaxPerMinute = 100
	cfg.Evals.Sink.File.Path = filepath.Join(t.TempDir(), "samples.jsonl")
	d := &cfg.Evals.Drift
	d.Enabled, d.Models, d.Text = true, []string{"mock-gpt"}, "off"
	d.Baseline.FirstN, d.Window, d.MinSamples, d.Interval, d.Permutations = 20, 20, 20, time.Second, 99
	a, addr := serveApp(t, cfg, slog.Default())
	for i := 0; i < 45; i++ {
		body := fmt.Sprintf(`{"model":"mock-gpt","messages":[{"role":"user","content":"question number %d about apples"}]}`, i)
		resp, err := http.Post("http://"+addr+"/v1/chat/completions", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, _ := a.drift.Status("mock-gpt")
		if st == drift.StatusOK || st == drift.StatusDrift {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no comparison ran: %+v", a.drift.UIStatus())
		}
		time.Sleep(100 * time.Millisecond)
	}
	rep, ok := a.drift.Report("mock-gpt")
	if !ok || len(rep.Features) == 0 {
		t.Fatalf("report: %+v %v", rep, ok)
	}
	for _, s := range rep.Skipped {
		if s.Feature == "refusal_score" || s.Feature == "sentiment" {
			t.Errorf("%s skipped: %s", s.Feature, s.Reason)
		}
	}
}
