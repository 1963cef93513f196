package tokenizer

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestRunCLI(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "prompt.txt")
	const text = "Hello, world! It's a test.\n"
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	want := func(enc string) string {
		return strconv.Itoa(encoderFor(t, enc).CountString(text)) + "\n"
	}
	f := func(args []string, stdin string, wantCode int, wantOut, wantErr string) {
		t.Helper()
		var out, errOut bytes.Buffer
		code := RunCLI(args, strings.NewReader(stdin), &out, &errOut)
		if code != wantCode || out.String() != wantOut || !strings.Contains(errOut.String(), wantErr) {
			t.Fatalf("RunCLI(%q) = %d, stdout %q, stderr %q; want %d, %q, stderr containing %q",
				args, code, out.String(), errOut.String(), wantCode, wantOut, wantErr)
		}
	}
	f([]string{"--model", "gpt-4o"}, text, 0, want(O200KBase), "")
	f([]string{"--model", "gpt-4", file}, "", 0, want(CL100KBase), "")
	f([]string{"--model", "gpt-4o", "--encoding", "r50k_base", file}, "", 0, want(R50KBase), "")
	f([]string{"--encoding", "p50k_base"}, text, 0, want(P50KBase), "")
	f([]string{"--model", "gpt-4o"}, "", 0, "0\n", "")
	f([]string{file}, "", 2, "", "--model or --encoding is required")
	f([]string{"--model", "mystery"}, text, 2, "", `unknown model "mystery"`)
	f([]string{"--encoding", "gpt2"}, text, 2, "", `unknown encoding "gpt2"`)
	f([]string{"--model", "gpt-4o", "a", "b"}, "", 2, "", "want at most one FILE, got 2 arguments")
	f([]string{"--bogus"}, "", 2, "", "flag provided but not defined: -bogus")
	f([]string{"--model", "gpt-4o", filepath.Join(dir, "missing.txt")}, "", 1, "", "no such file")
}
