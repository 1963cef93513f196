package main

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/evals"
)

// TestEvalsOffBuildsNoStage: evals are off by default: no stage, no sink,
// and /v1/feedback says how to turn them on.
func TestEvalsOffBuildsNoStage(t *testing.T) {
	a, addr := startFiltersApp(t, filtersAppConfig)
	if a.evals != nil || a.evalsWriter != nil {
		t.Fatal("evals are off but a stage was built")
	}
	resp, err := http.Post("http://"+addr+"/v1/feedback", "application/json", strings.NewReader(`{"request_id":"x","score":1}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 { // no key: authentication comes first
		t.Fatalf("feedback without a key: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/v1/feedback", strings.NewReader(`{"request_id":"x","score":1}`))
	req.Header.Set("Authorization", "Bearer client-key")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("feedback with evals off: %d, want 404", resp.StatusCode)
	}
}

// TestEvalsAppSamplesToFileAndReloads: the app builds the stage from the
// evals section; samples and feedback reach the file at shutdown, the rate
// follows a reload, and /ui shows the stage's counts.
func TestEvalsAppSamplesToFileAndReloads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s", "samples.jsonl")
	yml := filtersAppConfig + `
evals: {enabled: true, sample_rate: 1, sink: {file: {path: "` + path + `"}}}
`
	a, addr := startFiltersApp(t, yml)
	if a.evals == nil {
		t.Fatal("no evals stage")
	}
	resp, err := filtersClient(addr).CreateChatCompletion(context.Background(), mailReq())
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/v1/feedback",
		strings.NewReader(`{"request_id":"`+resp.Header().Get("x-request-id")+`","score":1}`))
	req.Header.Set("Authorization", "Bearer client-key")
	fr, err := http.DefaultClient.Do(req)
	if err != nil || fr.StatusCode != 200 {
		t.Fatalf("feedback: %v %v", fr, err)
	}
	fr.Body.Close()
	// Rate 0 and no floor from now on: the next request is not sampled.
	cfg := parseTestConfig(t, filtersAppConfig+`
evals: {enabled: true, sample_rate: 0, min_per_minute: 0, sink: {file: {path: "`+path+`"}}}
`)
	if err := a.reload(cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := filtersClient(addr).CreateChatCompletion(context.Background(), mailReq()); err != nil {
		t.Fatal(err)
	}
	if _, body := get(t, addr, "/ui/data.json", "adm"); !strings.Contains(body, `"evals":{`) || !strings.Contains(body, `"last_hour"`) {
		t.Fatalf("/ui data lacks the evals section or the last hour: %.300s", body)
	}
	if err := a.shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	rates, st, err := evals.FeedbackRates(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Valid != 1 || st.Feedback != 1 || st.Malformed != 0 || rates["mock-gpt"].Feedback != 1 {
		t.Fatalf("sink read %+v, rates %+v", st, rates)
	}
	var prompt string
	evals.ReadSamples(path, func(s *evals.Sample) error { prompt = s.Prompt; return nil })
	if strings.Contains(prompt, "bob@example.com") || !strings.Contains(prompt, "[pii.email]") {
		t.Fatalf("sample prompt %q: the e-mail must be scrubbed even with filters off", prompt)
	}
}

func parseTestConfig(t *testing.T, yml string) *config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte(yml), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
