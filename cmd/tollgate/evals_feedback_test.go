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
	"github.com/tollgate-ai/tollgate/evals"
)

// One app: feedback on sampled requests reaches the drift monitor's
// feedback_score, `tollgate evals feedback` joins it to the ledger, and
// /ui links to the report at evals.report.path.
func TestFeedbackReachesDriftLedgerAndUI(t *testing.T) {
	cfg, err := config.Load("")
	if err != nil {
		t.Fatal(err)
	}
	one := 1.0
	dir := t.TempDir()
	cfg.Evals.Enabled, cfg.Evals.SampleRate = true, &one
	cfg.Evals.MaxPerMinute = 100
	cfg.Evals.Sink.File.Path = filepath.Join(dir, "samples.jsonl")
	cfg.Evals.Report.Path = filepath.Join(dir, "report.html")
	d := &cfg.Evals.Drift
	d.Enabled, d.Models, d.Text = true, []string{"mock-gpt"}, "off"
	d.Baseline.FirstN, d.Window, d.MinSamples, d.Interval, d.Permutations = 20, 20, 20, 200*time.Millisecond, 99
	a, addr := serveApp(t, cfg, slog.Default())
	a.startEvalsReport(&cfg.Evals)
	post := func(path, body string) *http.Response {
		t.Helper()
		resp, err := http.Post("http://"+addr+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	for i := 0; i < 45; i++ {
		resp := post("/v1/chat/completions", fmt.Sprintf(`{"model":"mock-gpt","messages":[{"role":"user","content":"question %d"}]}`, i))
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		id := resp.Header.Get("x-request-id")
		if resp.StatusCode != 200 || id == "" {
			t.Fatalf("request %d: %d id %q", i, resp.StatusCode, id)
		}
		score := 1 // thumbs up in the baseline, down later
		if i >= 20 {
			score = -1
		}
		fb := post("/v1/feedback", fmt.Sprintf(`{"request_id":%q,"score":%d}`, id, score))
		fb.Body.Close()
		if fb.StatusCode != 200 {
			t.Fatalf("feedback %d: %d", i, fb.StatusCode)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		rep, _ := a.drift.Report("mock-gpt")
		compared := false
		for _, r := range rep.Features {
			compared = compared || r.Feature == "feedback_score"
		}
		if compared {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("feedback_score never compared: %+v", rep.Skipped)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var res *evals.LedgerFeedback
	for {
		var out, errb bytes.Buffer
		if code := run([]string{"evals", "feedback", "--ledger", cfg.Metering.LedgerDir, "--samples", cfg.Evals.Sink.File.Path}, nil, &out, &errb); code == 0 {
			res = &evals.LedgerFeedback{}
			if err := json.Unmarshal(out.Bytes(), res); err != nil {
				t.Fatal(err)
			}
			if len(res.Rows) == 1 && res.Rows[0].Requests == 45 && res.Rows[0].Feedback == 45 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("ledger join: %+v", res)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if r := res.Rows[0]; r.Group != "mock-gpt" || r.Positive != 20 || r.Negative != 25 || res.Unmatched != 0 {
		t.Fatalf("ledger join row %+v unmatched %d", r, res.Unmatched)
	}
	os.WriteFile(cfg.Evals.Report.Path, []byte("<!doctype html><title>r</title>"), 0o644)
	resp, err := http.Get("http://" + addr + "/ui/data.json")
	if err != nil {
		t.Fatal(err)
	}
	var data struct{ Report *struct{ URL string } }
	json.NewDecoder(resp.Body).Decode(&data)
	resp.Body.Close()
	if data.Report == nil || data.Report.URL != "/ui/report.html" {
		t.Fatalf("/ui/data.json report link %+v", data.Report)
	}
}
