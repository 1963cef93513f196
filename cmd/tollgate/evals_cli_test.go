package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
