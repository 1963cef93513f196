package providertest

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/tollgate-ai/tollgate/providers"
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

// CheckFuzzedStream reads s, fed inputLen bytes of arbitrary input, to
// its end and closes it. It fails t unless every chunk is valid JSON and
// the stream ends in io.EOF or a *providers.Error with an error status,
// within inputLen+2 chunks (more would be a stream making up output).
func CheckFuzzedStream(t *testing.T, s providers.Stream, inputLen int) {
	t.Helper()
	defer s.Close()
	for i := 0; ; i++ {
		if i > inputLen+2 {
			t.Fatal("more chunks than input bytes")
		}
		chunk, err := s.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			var pe *providers.Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *providers.Error", err)
			}
			if pe.Status < 400 {
				t.Fatalf("error status %d", pe.Status)
			}
			return
		}
		if !json.Valid(chunk) {
			t.Fatalf("invalid chunk %q", chunk)
		}
	}
}
