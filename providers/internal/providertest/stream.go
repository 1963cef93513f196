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
