package filters

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type cliLine struct {
	Line     *int `json:"line"`
	Findings []struct {
		Kind       string
		Start, End int
		Score      float64
	} `json:"findings"`
}

func runCLI(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := RunCLI(args, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

func TestCLIScanLines(t *testing.T) {
	in := "mail jane@example.com\n\n\xff\xfe bad\r\ncard 4111 1111 1111 1111 and AKIAIOSFODNN7EXAMPLE\r\nno newline at end a@b.io"
	lines := strings.Split(in, "\n")
	out, errs, code := runCLI(t, in, "scan", "--lines")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(got) != 5 {
		t.Fatalf("want 5 lines, got %d:\n%s", len(got), out)
	}
	want := [][]string{{"pii.email=jane@example.com"}, nil, nil,
		{"pii.credit_card=4111 1111 1111 1111", "secret.aws_access_key=AKIAIOSFODNN7EXAMPLE"}, {"pii.email=a@b.io"}}
	for i, g := range got {
		var l cliLine
		if err := json.Unmarshal([]byte(g), &l); err != nil {
			t.Fatalf("line %d: %v: %s", i+1, err, g)
		}
		if l.Line == nil || *l.Line != i+1 || l.Findings == nil {
			t.Fatalf("line %d: bad object %s", i+1, g)
		}
		text := strings.TrimSuffix(lines[i], "\r")
		var spans []string
		for _, f := range l.Findings {
			spans = append(spans, f.Kind+"="+text[f.Start:f.End])
		}
		if strings.Join(spans, ",") != strings.Join(want[i], ",") {
			t.Errorf("line %d: got %q, want %q", i+1, spans, want[i])
		}
	}
}

func TestCLIScanWholeFileAndConfig(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "in.txt")
	os.WriteFile(file, []byte("call +44 20 7946 0958 or write jane@example.com, you b4stard"), 0o644)
	out, errs, code := runCLI(t, "", "scan", file)
	if code != 0 || !strings.HasPrefix(out, `{"findings":[{"kind":"pii.phone","start":5,"end":21,`) || strings.Contains(out, "blocklist") {
		t.Fatalf("exit %d, out %s, err %s", code, out, errs)
	}
	cfg := filepath.Join(dir, "f.yaml")
	os.WriteFile(cfg, []byte("detectors: [pii.email]\nthresholds: {pii.email: 0.9}\nblocklists:\n  - name: insults\n    terms: [bastard]\n"), 0o644)
	out, errs, code = runCLI(t, "", "scan", "--config", cfg, file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var l cliLine
	if err := json.Unmarshal([]byte(out), &l); err != nil || l.Line != nil || len(l.Findings) != 2 ||
		l.Findings[0].Kind != "pii.email" || l.Findings[1].Kind != "blocklist.insults" {
		t.Fatalf("got %s (%v)", out, err)
	}
	// A threshold above every score silences the kind.
	os.WriteFile(cfg, []byte("detectors: [pii.email]\nthresholds: {pii: 0.99}\n"), 0o644)
	if out, _, _ = runCLI(t, "", "scan", "--config", cfg, file); out != "{\"findings\":[]}\n" {
		t.Fatalf("got %s", out)
	}
}

func TestCLIErrors(t *testing.T) {
	f := func(wantCode int, wantErr string, stdin string, args ...string) {
		t.Helper()
		_, errs, code := runCLI(t, stdin, args...)
		if code != wantCode || !strings.Contains(errs, wantErr) {
			t.Fatalf("%q: exit %d, stderr %q; want %d, %q", args, code, errs, wantCode, wantErr)
		}
	}
	f(2, "usage", "")
	f(2, "unknown command", "", "frob")
	f(2, "unknown flag", "", "scan", "--nope")
	f(2, "--config needs", "", "scan", "--config")
	f(1, "no such file", "", "scan", "/nonexistent/file")
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("detector: [pii]\n"), 0o644)
	f(2, "field detector not found", "", "scan", "--config", bad)
	os.WriteFile(bad, []byte("detectors: [pii.fingerprint]\n"), 0o644)
	f(2, `unknown detector "pii.fingerprint"`, "", "scan", "--config", bad)
	os.WriteFile(bad, []byte("blocklists: [{name: x, list: nope}]\n"), 0o644)
	f(2, `unknown list "nope"`, "", "scan", "--config", bad)
}
