package providertest

import (
	"os"
	"path/filepath"
	"testing"
)

// AddSeedFiles adds every file matching testdata/<pattern> to f's seed
// corpus, through encode when it is not nil (a file that describes the
// input rather than holding it).
func AddSeedFiles(f *testing.F, pattern string, encode func([]byte) []byte) {
	f.Helper()
	files, _ := filepath.Glob(filepath.Join("testdata", pattern))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		if encode != nil {
			b = encode(b)
		}
		f.Add(b)
	}
}
