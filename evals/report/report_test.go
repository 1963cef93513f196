package report

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/evals"
	"github.com/tollgate-ai/tollgate/evals/drift"
)

func readTexts(t *testing.T, path string) []evals.Sample {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []evals.Sample
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var s evals.Sample
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func testRefusal(s string) float64 {
	if strings.HasPrefix(s, "I'm sorry") {
		return 0.9
	}
	return 0.1
}

// demoSamples: 12 hours of a math assistant; from hour 8 on, 30 % of the
// prompts are jailbreaks and refusals rise from 2 % to 15 %.
func demoSamples(t *testing.T) []evals.Sample {
	math := readTexts(t, "../drift/testdata/gsm8k.jsonl.gz")
	jail := readTexts(t, "../drift/testdata/jailbreak.jsonl.gz")
	rng := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	var out []evals.Sample
	for h := 0; h < 12; h++ {
		shifted := h >= 8
		for i := 0; i < 60; i++ {
			s := math[rng.IntN(len(math))]
			if shifted && rng.Float64() < 0.3 {
				s.Prompt = jail[rng.IntN(len(jail))].Prompt
			}
			refuse := 0.02
			if shifted {
				refuse = 0.15
			}
			if rng.Float64() < refuse {
				s.Response = "I'm sorry, but I can't help with that."
			}
			s.Time = t0.Add(time.Duration(h)*time.Hour + time.Duration(i)*time.Minute)
			s.LatencyMs = 400 + 100*rng.NormFloat64()
			s.FinishReason = "stop"
			s.Model = "mock-gpt"
			out = append(out, s)
		}
	}
	return out
}

const demoBias = `{"flagged": true, "suite": "counterfactual", "model": "mock-gpt",
 "categories": [
  {"category": "gender", "groups": [
    {"group": "woman", "metric": "refusal", "effect": 0.12, "ci": [0.05, 0.19], "flagged": true},
    {"group": "man", "metric": "refusal", "effect": 0.01, "ci": [-0.03, 0.05], "flagged": false}]},
  {"category": "religion", "groups": [
    {"group": "muslim", "metric": "sentiment", "effect": -0.04, "ci": [-0.11, 0.03], "flagged": false}]}]}`

func buildDemo(t *testing.T, bias []byte) string {
	ex, err := drift.NewExtractor(drift.TextScorers{Refusal: testRefusal})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var cur []drift.Vector
	for _, s := range demoSamples(t) {
		v := ex.Extract(&s)
		fb := 1.0
		if yes, _ := v.Refusal(); yes || rng.Float64() < 0.1 {
			fb = -1
		}
		v.SetFeedback(fb)
		cur = append(cur, v)
	}
	return Build(Input{Title: "mock-gpt — evals report", Current: cur, Skipped: ex.Skipped(), Bias: bias,
		Options: drift.Options{Permutations: 300}, Now: time.Date(2026, 12, 6, 12, 5, 0, 0, time.UTC)})
}

// The page is self-contained and shows drift where it was planted.
func TestBuildReport(t *testing.T) {
	page := buildDemo(t, []byte(demoBias))
	if p := os.Getenv("REPORT_DEMO"); p != "" {
		if err := os.WriteFile(p, []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, bad := range []string{"<script", "<link", "src=", "@import", "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("page holds %q: not self-contained", bad)
		}
	}
	if ext := regexp.MustCompile(`https?://`).FindAllString(strings.ReplaceAll(page, `xmlns="http://www.w3.org/2000/svg"`, ""), -1); len(ext) > 0 {
		t.Errorf("external references: %v", ext)
	}
	for _, want := range []string{"<span class=\"bad\">drift</span>", "prompt_text", "refusal rate", "mean feedback score",
		"Bias probes", "flagged", "counterfactual / gender / woman / refusal", "class=\"alarm\""} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if n := strings.Count(page, "<svg"); n < 8 {
		t.Errorf("%d charts", n)
	}
	// Hours before the shift raise no alarm on prompt_text; after it, they do.
	if !strings.Contains(page, `prompt_text 09h`) {
		t.Error("no point for prompt_text at 09h")
	}
	// Nothing at all: every section says so, the bias slot is labelled.
	empty := Build(Input{})
	for _, want := range []string{"No bias results: pass <code>--bias FILE</code>", "No baseline or no current samples", "Fewer than two hours"} {
		if !strings.Contains(empty, want) {
			t.Errorf("empty report lacks %q", want)
		}
	}
}

func TestRunCLIReport(t *testing.T) {
	dir := t.TempDir()
	var lines []string
	for _, s := range demoSamples(t)[:200] {
		b, _ := json.Marshal(s)
		lines = append(lines, string(b))
	}
	samples := filepath.Join(dir, "s.jsonl")
	if err := os.WriteFile(samples, []byte(strings.Join(append(lines, "{oops"), "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "r.html")
	var so, se strings.Builder
	if code := CLI(drift.TextScorers{})([]string{"--out", out, "--current", samples}, nil, &so, &se); code != 0 {
		t.Fatalf("exit %d: %s", code, se.String())
	}
	if b, err := os.ReadFile(out); err != nil || !strings.Contains(string(b), "<svg") {
		t.Fatalf("report: %v", err)
	}
	if !strings.Contains(se.String(), "1 malformed lines skipped") {
		t.Errorf("stderr %q", se.String())
	}
	for _, args := range [][]string{{"--out", out}, {"--out", out, "--current", filepath.Join(dir, "none")},
		{"--out", out, "--current", samples, "--bias", filepath.Join(dir, "none")}} {
		if code := CLI(drift.TextScorers{})(args, nil, &so, &se); code != 2 {
			t.Errorf("%v: exit %d", args, code)
		}
	}
}

// A full suite's many effects: the flagged ones come first and the quiet
// ones are capped, with a note.
func TestBiasFlaggedFirstAndCapped(t *testing.T) {
	var groups []string
	for i := 0; i < 40; i++ {
		flagged := i == 37
		groups = append(groups, fmt.Sprintf(`{"group":"g%02d","metric":"refusal","effect":%g,"ci":[0,0.1],"flagged":%v}`, i, 0.01*float64(i), flagged))
	}
	raw := `{"flagged":true,"categories":[{"category":"religion","groups":[` + strings.Join(groups, ",") + `]}]}`
	var b strings.Builder
	writeBias(&b, []byte(raw))
	page := b.String()
	first := strings.Index(page, "g37")
	if first < 0 || first > strings.Index(page, "g00") {
		t.Fatal("the flagged effect is not drawn first")
	}
	if !strings.Contains(page, "religion / g15 / refusal") || strings.Contains(page, "religion / g20 / refusal") || !strings.Contains(page, "… and 23 more effects, none flagged") {
		t.Fatalf("quiet effects not capped at %d", maxQuietEffects)
	}
}
