package messagesapi

import (
	"testing"

	"github.com/tollgate-ai/tollgate/providers/internal/providertest"
	"github.com/valyala/fastjson"
)

// FuzzTranslateRequest: whatever a client sends, the parser answers with
// a translation that is valid JSON or a 400, and never panics.
func FuzzTranslateRequest(f *testing.F) {
	providertest.AddSeedFiles(f, "request/*.in.json", nil)
	f.Add([]byte(`{"model":"m","max_tokens":1,"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"\u0000","name":"n","input":"x"}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var p fastjson.Parser
		for _, mode := range []Mode{Messages, CountTokens} {
			out, _, e := TranslateRequest(nil, body, &p, mode)
			if e != nil {
				if e.Status != 400 || e.Message == "" {
					t.Fatalf("bad refusal %+v", e)
				}
				continue
			}
			if err := fastjson.ValidateBytes(out); err != nil {
				t.Fatalf("invalid JSON out: %v\n%s\nfrom %s", err, out, body)
			}
		}
	})
}

// FuzzStream: any sequence of events yields output without panicking.
func FuzzStream(f *testing.F) {
	providertest.AddSeedFiles(f, "stream/*.in.sse", nil)
	f.Fuzz(func(t *testing.T, raw []byte) {
		var s Stream
		s.Reset("m", 1)
		var dst []byte
		start := 0
		for i := 0; i+1 < len(raw); i++ {
			if raw[i] == '\n' && raw[i+1] == '\n' {
				dst, _ = s.Event(dst[:0], raw[start:i+2], Usage{})
				start = i + 2
			}
		}
		_ = s.Done(dst[:0], Usage{})
	})
}
