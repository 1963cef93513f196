package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/mockllm"
)

// biasGateway serves a gateway on loopback in front of a mock LLM (on its
// own loopback port, with opts) and returns the gateway's base URL.
func biasGateway(t *testing.T, opts mockllm.Options) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := mockllm.New(opts)
	go func() { _ = m.Serve(ln) }()
	t.Cleanup(func() { _ = m.Close() })
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
upstreams: [{name: up, kind: openai, base_url: "http://%s/v1"}]
models: [{name: mock-gpt, retry: {attempts: 1}, deployments: [{upstream: up}]}]
`, ln.Addr())), "bias.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, addr := serveApp(t, cfg, slog.New(slog.DiscardHandler))
	return "http://" + addr
}

type biasReport struct {
	Flagged    bool `json:"flagged"`
	Complete   bool `json:"complete"`
	Failed     int  `json:"failed"`
	Categories []struct {
		Category string `json:"category"`
		Flagged  bool   `json:"flagged"`
		Groups   []struct {
			Group   string `json:"group"`
			Flagged bool   `json:"flagged"`
			Effects []struct {
				Metric  string     `json:"metric"`
				Effect  float64    `json:"effect"`
				CI      [2]float64 `json:"ci"`
				Flagged bool       `json:"flagged"`
			} `json:"effects"`
		} `json:"groups"`
	} `json:"categories"`
}

func runBiasCLI(t *testing.T, args ...string) (int, biasReport, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := evalsBias(context.Background(), args, &out, &errb)
	var r biasReport
	if out.Len() > 0 {
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			t.Fatalf("output is not the report: %v\n%s", err, out.String())
		}
	}
	return code, r, errb.String()
}

// The counterfactual suite, run through the gateway by the CLI, flags a
// bias planted in the mock on one group of each category (each effect on
// two categories), on that group and metric.
func TestEvalsBiasFlagsPlantedBiasThroughGateway(t *testing.T) {
	cases := []struct {
		terms, effect, category, group, metric string
	}{
		{"muslim", "refusal", "religion", "muslim", "refusal"},
		{"70-year-old|older adult|78-year-old|elderly", "refusal", "age", "old", "refusal"},
		{"woman|mother|wife|sister|daughter|aunt", "negative", "gender", "female", "sentiment"},
		{"nigerian", "negative", "nationality", "nigerian", "sentiment"},
		{"black", "short", "race_ethnicity", "black", "length"},
		{"deaf", "short", "disability", "deaf", "length"},
	}
	for i, c := range cases {
		if raceEnabled && i%2 == 1 {
			continue // one category per effect under the race detector (about 10x slower)
		}
		t.Run(c.category+"/"+c.effect, func(t *testing.T) {
			pb, err := mockllm.ParsePlantedBias("terms=" + c.terms + ",effect=" + c.effect + ",rate=0.9")
			if err != nil {
				t.Fatal(err)
			}
			base := biasGateway(t, mockllm.Options{Seed: 5, PlantedBias: pb})
			code, r, stderr := runBiasCLI(t, "--url", base, "--model", "mock-gpt", "--suite", "counterfactual", "--seed", "2", "--concurrency", "8")
			if code != 1 || !r.Flagged || !r.Complete {
				t.Fatalf("exit %d flagged %v complete %v: %s", code, r.Flagged, r.Complete, stderr)
			}
			found := false
			for _, cat := range r.Categories {
				for _, g := range cat.Groups {
					for _, e := range g.Effects {
						if cat.Category == c.category && g.Group == c.group && e.Metric == c.metric {
							found = e.Flagged && cat.Flagged && g.Flagged
							t.Logf("%s/%s %s effect %.3f [%.3f, %.3f]", cat.Category, g.Group, e.Metric, e.Effect, e.CI[0], e.CI[1])
						}
					}
				}
			}
			if !found {
				t.Fatalf("%s/%s/%s not flagged", c.category, c.group, c.metric)
			}
		})
	}
}

func TestEvalsBiasUnbiasedAndBadInput(t *testing.T) {
	base := biasGateway(t, mockllm.Options{Seed: 9})
	if code, r, stderr := runBiasCLI(t, "--url", base+"/v1", "--model", "mock-gpt", "--limit", "8"); code != 0 || r.Flagged || !r.Complete {
		t.Fatalf("unbiased mock: exit %d flagged %v: %s", code, r.Flagged, stderr)
	}
	for _, args := range [][]string{
		{"--url", base}, // no model
		{"--url", base, "--model", "m", "--suite", "x"},  // bad suite
		{"--url", "ftp://x", "--model", "m"},             // bad URL
		{"--url", base, "--model", "m", "--limit", "-1"}, // bad limit
		{"--url", base, "--model", "m", "--data", t.TempDir()},
		{"--url", base, "--model", "m", "--suite", "bbq", "--data", t.TempDir()},
		{"--url", base, "--model", "m", "extra"},
	} {
		if code, _, _ := runBiasCLI(t, args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}

// A model that keeps failing makes the run incomplete: exit 2, the report
// printed with every failure listed.
func TestEvalsBiasIncompleteRun(t *testing.T) {
	base := biasGateway(t, mockllm.Options{ErrorRate: 1, ErrorStatus: 503})
	code, r, stderr := runBiasCLI(t, "--url", base, "--model", "mock-gpt", "--suite", "bbq", "--limit", "2", "--attempts", "2")
	if code != 2 || r.Complete || r.Failed != 12 || !strings.Contains(stderr, "incomplete") {
		t.Fatalf("exit %d complete %v failed %d: %s", code, r.Complete, r.Failed, stderr)
	}
}

// The BBQ suite through the gateway: the mock answers words, not options,
// so most answers are unparsed; the run completes and reports them.
func TestEvalsBiasBBQThroughGateway(t *testing.T) {
	base := biasGateway(t, mockllm.Options{Seed: 1})
	var out, errb bytes.Buffer
	code := evalsBias(context.Background(), []string{"--url", base, "--model", "mock-gpt", "--suite", "bbq", "--limit", "8"}, &out, &errb)
	var r struct {
		Suite      string `json:"suite"`
		Complete   bool   `json:"complete"`
		Probes     int    `json:"probes"`
		Categories []struct {
			Category string `json:"category"`
			BBQ      struct {
				Items, Unparsed int
			} `json:"bbq"`
			Effects []struct {
				Metric string `json:"metric"`
			} `json:"effects"`
		} `json:"categories"`
	}
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("exit %d: %v\n%s%s", code, err, out.String(), errb.String())
	}
	if code == 2 || r.Suite != "bbq" || !r.Complete || r.Probes != 48 || len(r.Categories) != 6 {
		t.Fatalf("exit %d: %s", code, out.String())
	}
	for _, c := range r.Categories {
		if c.BBQ.Items != 8 || c.BBQ.Unparsed == 0 || len(c.Effects) != 4 {
			t.Errorf("%s: %+v", c.Category, c)
		}
	}
}

// Probes bypass the gateway's response cache: a cached answer would
// measure the model as it was, not as it is.
func TestEvalsBiasBypassesCache(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := mockllm.New(mockllm.Options{})
	go func() { _ = m.Serve(ln) }()
	t.Cleanup(func() { _ = m.Close() })
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
upstreams: [{name: up, kind: openai, base_url: "http://%s/v1"}]
models: [{name: mock-gpt, deployments: [{upstream: up}]}]
cache: {enabled: true, when: always}
`, ln.Addr())), "cache.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, addr := serveApp(t, cfg, slog.New(slog.DiscardHandler))
	for i := 0; i < 2; i++ {
		if code, _, stderr := runBiasCLI(t, "--url", "http://"+addr, "--model", "mock-gpt", "--suite", "bbq", "--limit", "2"); code == 2 {
			t.Fatalf("run %d: %s", i, stderr)
		}
	}
	if got := m.Stats().Requests; got != 2*12 {
		t.Fatalf("upstream saw %d requests for two runs of 12 probes: the cache answered some", got)
	}
}
