package providertest

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-ai/tollgate/providers"
)

// The one -update flag of every test binary that imports this package
// (a package's own would clash with it).
var update = flag.Bool("update", false, "rewrite the golden files' want sides")

// Update tells whether the test run was asked (-update) to rewrite the
// golden files from the code rather than compare with them.
func Update() bool { return *update }

// Golden compares got with testdata/name, or writes it with -update.
// Leading and trailing white space does not count.
func Golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if Update() {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
		t.Fatalf("%s:\ngot  %s\nwant %s", name, got, want)
	}
}

// EachGolden runs one subtest per file matching testdata/<pattern>, named
// by the file's base name without suffix, with that file's contents.
// No file at all fails t: a golden test that checks nothing is a bug.
func EachGolden(t *testing.T, pattern, suffix string, run func(t *testing.T, base string, in []byte)) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join("testdata", pattern))
	if len(files) == 0 {
		t.Fatalf("no golden files testdata/%s", pattern)
	}
	for _, f := range files {
		base := strings.TrimSuffix(filepath.Base(f), suffix)
		t.Run(base, func(t *testing.T) {
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			run(t, base, in)
		})
	}
}

// Indent is b indented two spaces a level, ending in a newline.
func Indent(t *testing.T, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		t.Fatalf("invalid JSON %s: %v", b, err)
	}
	out.WriteByte('\n')
	return out.Bytes()
}

// ErrorJSON is err, which must be a *providers.Error, as indented JSON.
func ErrorJSON(t *testing.T, err error) []byte {
	t.Helper()
	var pe *providers.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is not a *providers.Error", err)
	}
	b, _ := json.MarshalIndent(pe, "", "  ")
	return append(b, '\n')
}

// EachGoldenPair is EachGolden for inputs with a want file beside them:
// the same name with wantSuffix for inSuffix.
func EachGoldenPair(t *testing.T, pattern, inSuffix, wantSuffix string, run func(t *testing.T, name string, in, want []byte)) {
	t.Helper()
	dir := filepath.Dir(filepath.Join("testdata", pattern))
	EachGolden(t, pattern, inSuffix, func(t *testing.T, name string, in []byte) {
		want, err := os.ReadFile(filepath.Join(dir, name+wantSuffix))
		if err != nil {
			t.Fatal(err)
		}
		run(t, name, in, want)
	})
}
