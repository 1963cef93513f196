package providertest

import (
	"encoding/json"
	"errors"
	"io"
	"testing"

	"github.com/tollgate-ai/tollgate/providers"
)

// StreamLines reads s to its end and closes it: one chunk a line, and an
// error ends the text as "error: {…}". Every chunk must be valid JSON.
func StreamLines(t *testing.T, s providers.Stream) []byte {
	t.Helper()
	defer s.Close()
	var out []byte
	for i := 0; i < 10000; i++ {
		chunk, err := s.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			var pe *providers.Error
			if !errors.As(err, &pe) {
				t.Fatalf("stream error %v is not a *providers.Error", err)
			}
			b, _ := json.Marshal(pe)
			return append(append(append(out, "error: "...), b...), '\n')
		}
		if !json.Valid(chunk) {
			t.Fatalf("invalid chunk %s", chunk)
		}
		out = append(append(out, chunk...), '\n')
	}
	t.Fatal("stream did not end")
	return nil
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
