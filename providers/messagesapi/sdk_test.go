package messagesapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	anthropic "github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/packages/ssestream"
)

// TestGoldenWantsParseWithSDK: the official SDK reads every golden answer
// and stream the translation produces: messages unmarshal, streams decode
// and accumulate (or end with the API error an error event carries).
func TestGoldenWantsParseWithSDK(t *testing.T) {
	responses, _ := filepath.Glob("testdata/response/*.want.json")
	for _, f := range responses {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var m anthropic.Message
		if err := json.Unmarshal(b, &m); err != nil || m.Type != "message" || m.StopReason == "" {
			t.Fatalf("%s: %v %+v", f, err, m)
		}
	}
	streams, _ := filepath.Glob("testdata/stream/*.want.sse")
	for _, f := range streams {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		res := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"text/event-stream"}},
			Body: io.NopCloser(bytes.NewReader(b))}
		st := ssestream.NewStream[anthropic.MessageStreamEventUnion](ssestream.NewDecoder(res), nil)
		var acc anthropic.Message
		for st.Next() {
			if err := acc.Accumulate(st.Current()); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
		}
		wantErr := bytes.Contains(b, []byte("event: error"))
		if (st.Err() != nil) != wantErr || len(acc.Content) == 0 {
			t.Fatalf("%s: err %v, accumulated %+v", f, st.Err(), acc)
		}
		if !wantErr && (acc.StopReason == "" || acc.Usage.OutputTokens == 0) {
			t.Fatalf("%s: accumulated %+v", f, acc)
		}
	}
}
