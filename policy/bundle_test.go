package policy

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"testing"
)

func writeBundle(t *testing.T, path string, files map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body))}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	tw.Close()
	gz.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBundle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policy.tar.gz")
	files := map[string]string{
		"/tollgate/policy.rego":      "package tollgate\n\ndecision := {\"allow\": true, \"max_tokens\": data.limits.cap}\n",
		"/tollgate/policy_test.rego": "package tollgate_test\n\ntest_ok if data.tollgate.decision.allow\n",
		"/limits/data.json":          `{"cap": 77}`,
	}
	writeBundle(t, path, files)
	e := openTB(t, Options{Dir: path})
	if d := e.Decide(context.Background(), typicalInput()); d.Err != nil || d.MaxTokens != 77 {
		t.Fatalf("bundle decision: %+v", d)
	}
	first := e.Status().Revision
	files["/limits/data.json"] = `{"cap": 78}`
	writeBundle(t, path, files)
	if err := e.Reload(); err != nil || e.Status().Revision == first {
		t.Fatalf("bundle reload: %v %+v", err, e.Status())
	}
	files["/tollgate/policy.rego"] = "package tollgate\n\ndecision := \n"
	writeBundle(t, path, files)
	if err := e.Reload(); err == nil {
		t.Fatal("broken bundle accepted")
	}
	if d := e.Decide(context.Background(), typicalInput()); d.MaxTokens != 78 {
		t.Fatalf("last good bundle not serving: %+v", d)
	}
}

func TestCLIEvalDataFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "policy.rego"), "package tollgate\n\ndecision := {\"allow\": true, \"max_tokens\": data.cap}\n")
	data := filepath.Join(t.TempDir(), "extra.json")
	writeFile(t, data, `{"cap": 12}`)
	code, out, stderr := runCLI("eval", dir, "--input", "testdata/inputs/typical.json", "--data", data)
	if code != 0 || !bytes.Contains([]byte(out), []byte(`"max_tokens": 12`)) {
		t.Fatalf("eval --data: %d %s %s", code, out, stderr)
	}
}
