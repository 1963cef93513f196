package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEvalsRefusalLines(t *testing.T) {
	in := strings.Join([]string{
		`"I'm sorry, but I can't help with that request."`,
		`"Sure! Here are three pancake recipes:\n1. Classic\n2. Banana\n3. Oat"`,
		`42`,
		`not json`,
		``,
		`"Unfortunately I am unable to assist with tracking someone's phone."`,
	}, "\n") // no newline after the last line
	var out, errb bytes.Buffer
	if code := evalsRefusal([]string{"--lines"}, strings.NewReader(in), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 6 {
		t.Fatalf("%d output lines:\n%s", len(lines), out.String())
	}
	type verdict struct {
		Line    int      `json:"line"`
		Refusal *bool    `json:"refusal"`
		Score   *float64 `json:"score"`
		Error   string   `json:"error"`
	}
	want := []struct {
		refusal *bool
		err     bool
	}{{ptr(true), false}, {ptr(false), false}, {nil, true}, {nil, true}, {nil, true}, {ptr(true), false}}
	for i, l := range lines {
		var v verdict
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("line %d: %q is not JSON", i+1, l)
		}
		if v.Line != i+1 {
			t.Errorf("line %d numbered %d", i+1, v.Line)
		}
		if want[i].err {
			if v.Error == "" || v.Refusal != nil || v.Score != nil {
				t.Errorf("line %d: want an error object, got %s", i+1, l)
			}
			continue
		}
		if v.Refusal == nil || *v.Refusal != *want[i].refusal || v.Score == nil || *v.Score < 0 || *v.Score > 1 {
			t.Errorf("line %d: got %s, want refusal=%v", i+1, l, *want[i].refusal)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestEvalsRefusalFileAndExitCodes(t *testing.T) {
	f := filepath.Join(t.TempDir(), "answers.jsonl")
	if err := os.WriteFile(f, []byte("\"I cannot do that.\"\r\n\"The capital of France is Paris.\"\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := evalsRefusal([]string{"--lines", f}, nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if got := strings.Count(out.String(), "\n"); got != 2 || !strings.Contains(out.String(), `{"line":2,"refusal":false`) {
		t.Fatalf("output:\n%s", out.String())
	}
	for _, args := range [][]string{{"--lines", filepath.Join(t.TempDir(), "missing")}, {}, {"--lines", f, f}, {"--bogus"}} {
		out.Reset()
		if code := evalsRefusal(args, strings.NewReader(""), &out, &errb); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
	if code := evalsRefusal([]string{"--lines"}, strings.NewReader(""), &out, &errb); code != 0 || out.Len() != 0 {
		t.Errorf("empty input: exit %d, output %q", code, out.String())
	}
}

func TestEvalsRefusalAndBiasRegistered(t *testing.T) {
	if _, ok := evalsCommands["refusal"]; !ok {
		t.Fatal("refusal not registered")
	}
	if _, ok := evalsCommands["bias"]; !ok {
		t.Fatal("bias not registered")
	}
	if code := evalsCLI([]string{"no-such-command"}, strings.NewReader(""), io.Discard, io.Discard); code != 2 {
		t.Fatalf("unknown evals command: exit %d", code)
	}
}
