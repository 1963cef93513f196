package drift

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadSamples(t *testing.T) {
	f := func(in string, wantN, wantBad int, wantErr error) {
		t.Helper()
		recs, bad, err := readSamples(strings.NewReader(in))
		if len(recs) != wantN || bad != wantBad || !errors.Is(err, wantErr) {
			t.Errorf("%q: %d records, %d bad, err %v; want %d, %d, %v", in, len(recs), bad, err, wantN, wantBad, wantErr)
		}
	}
	f(`{"prompt":"hi"}`+"\n"+`{"response":"yo"}`, 2, 0, nil)
	f("\n\n"+`{"prompt":"hi"}`+"\r\n\n", 1, 0, nil)
	f(`{"prompt":"hi"}`+"\nnot json\n[1,2]\n\"s\"\n"+`{"prompt":`+"\n"+`{"time":"yesterday"}`, 1, 5, nil)
	f("", 0, 0, errNoValidLine)
	f("garbage\n", 0, 1, errNoValidLine)
	f(`{"prompt":"a","feedback_score":-1}`, 1, 0, nil)
	long := `{"prompt":"` + strings.Repeat("x", maxLineBytes) + `"}` + "\n" + `{"prompt":"ok"}`
	f(long, 1, 1, nil)
}

func writeLines(t *testing.T, name string, lines ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunCLI(t *testing.T) {
	var base, cur, mixed []string
	gsm := readGz(t, "testdata/gsm8k.jsonl.gz")
	jb := readGz(t, "testdata/jailbreak.jsonl.gz")
	for i := 0; i < 60; i++ {
		b, _ := json.Marshal(map[string]string{"prompt": gsm[i].Prompt})
		base = append(base, string(b))
		c, _ := json.Marshal(map[string]string{"prompt": jb[i].Prompt})
		cur = append(cur, string(c))
		m, _ := json.Marshal(map[string]string{"prompt": gsm[100+i].Prompt})
		mixed = append(mixed, string(m))
	}
	mixed = append(mixed, "{broken", "")
	basePath := writeLines(t, "base.jsonl", base...)
	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := CLI(TextScorers{})(args, nil, &out, &errb)
		return code, out.String(), errb.String()
	}
	// Drift: exit 0, drift true, the exact output shape.
	code, out, _ := run("--baseline", basePath, "--current", writeLines(t, "cur.jsonl", cur...), "--permutations", "300")
	var rep map[string]any
	if err := json.Unmarshal([]byte(out), &rep); code != 0 || err != nil {
		t.Fatalf("exit %d, %v: %s", code, err, out)
	}
	if rep["drift"] != true {
		t.Errorf("math → jailbreak: drift %v", rep["drift"])
	}
	for _, row := range rep["features"].([]any) {
		keys := map[string]bool{}
		for k := range row.(map[string]any) {
			keys[k] = true
		}
		want := map[string]bool{"feature": true, "stat": true, "value": true, "threshold": true, "p_value": true, "drift": true}
		if !reflectEqual(keys, want) {
			t.Fatalf("row keys %v", keys)
		}
	}
	if len(rep["skipped"].([]any)) == 0 {
		t.Error("prompt-only files: no skipped features listed")
	}
	// No drift (same source, a malformed line): exit 0, counted on stderr.
	code, out, errOut := run("--baseline", basePath, "--current", writeLines(t, "same.jsonl", mixed...), "--seed", "3")
	if code != 0 || !strings.Contains(out, `"drift":false`) || !strings.Contains(errOut, "1 malformed lines skipped") {
		t.Errorf("same source: exit %d, %s, stderr %q", code, out, errOut)
	}
	// Reproducible.
	_, again, _ := run("--baseline", basePath, "--current", writeLines(t, "same2.jsonl", mixed...), "--seed", "3")
	if again != out {
		t.Error("two runs with one seed differ")
	}
	// Exit 2: unreadable, no valid line, bad usage.
	for _, args := range [][]string{
		{"--baseline", filepath.Join(t.TempDir(), "missing"), "--current", basePath},
		{"--baseline", basePath, "--current", writeLines(t, "bad.jsonl", "nope", "{")},
		{"--baseline", basePath},
		{"--baseline", basePath, "--current", basePath, "--alpha", "2"},
	} {
		if code, out, _ := run(args...); code != 2 || out != "" {
			t.Errorf("%v: exit %d, out %q; want 2 and nothing", args, code, out)
		}
	}
}

func reflectEqual(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// A sink file's feedback records are joined to their samples by (tenant,
// request id), the latest winning; they are never read as samples.
func TestReadSamplesJoinsSinkFeedback(t *testing.T) {
	in := strings.Join([]string{
		`{"request_id":"r1","tenant":"acme","prompt":"a"}`,
		`{"request_id":"r2","tenant":"acme","prompt":"b"}`,
		`{"request_id":"r3","tenant":"acme","prompt":"c","feedback_score":1}`,
		`{"type":"feedback","time":"2026-12-06T10:00:00Z","request_id":"r1","tenant":"acme","score":1}`,
		`{"type":"feedback","time":"2026-12-06T10:05:00Z","request_id":"r1","tenant":"acme","score":-1}`,
		`{"type":"feedback","time":"2026-12-06T10:00:00Z","request_id":"r2","tenant":"globex","score":-1}`,
		`{"type":"feedback","time":"2026-12-06T10:00:00Z","request_id":"r3","tenant":"acme","score":-1}`,
		`{"type":"feedback","request_id":"r2","tenant":"acme"}`,
		`{"type":"other","prompt":"x"}`,
	}, "\n")
	recs, bad, err := readSamples(strings.NewReader(in))
	if err != nil || len(recs) != 3 || bad != 2 {
		t.Fatalf("%d records, %d bad, %v; want 3 samples, 2 bad", len(recs), bad, err)
	}
	want := []*float64{ptr(-1), nil, ptr(1)} // latest wins; globex's joins nothing; the line's own score stays
	for i, w := range want {
		got := recs[i].FeedbackScore
		if (got == nil) != (w == nil) || got != nil && *got != *w {
			t.Errorf("sample %d feedback %v, want %v", i, got, w)
		}
	}
}

func ptr(v float64) *float64 { return &v }
