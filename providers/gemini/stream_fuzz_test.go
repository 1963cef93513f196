package gemini

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/tollgate-ai/tollgate/providers"
)

// FuzzStream: any bytes from the upstream end in chunks of valid JSON and
// io.EOF or a *providers.Error, never a panic or an endless stream.
func FuzzStream(f *testing.F) {
	files, _ := filepath.Glob("testdata/stream_*.sse")
	for _, name := range files {
		b, _ := os.ReadFile(name)
		f.Add(b)
	}
	f.Add([]byte("data: {\"candidates\":[{\"index\":7,\"content\":{\"parts\":[{\"functionCall\":{}}]}}]}\n\n"))
	f.Add([]byte("data: [1,2]\n\ndata: null\n\n"))
	p := testProvider(f)
	c := &providers.Call{Endpoint: providers.Chat, Model: "m", Stream: true}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := p.NewStream(bytes.NewReader(data), c)
		defer s.Close()
		for i := 0; ; i++ {
			if i > len(data)+2 {
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
	})
}
