package filterstage

import (
	"strings"
	"testing"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/filters"
	"github.com/tollgate-ai/tollgate/filters/internal/cpubench"
	"github.com/tollgate-ai/tollgate/gateway"
)

// prose is text with nothing to find.
var prose = strings.Repeat("The quick brown fox jumps over the lazy dog while the committee reviews the quarterly plan. ", 45)[:4096]

func realState(b *testing.B, output config.FilterActions) *reqState {
	b.Helper()
	sc, err := filters.New(filters.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(config.FiltersConfig{Input: config.FilterActions{"default": "flag"}, Output: output}, sc)
	if err != nil {
		b.Fatal(err)
	}
	st := &reqState{set: s.cur.Load()}
	st.t = st.set.pol.tablesFor("", "", "")
	return st
}

// BenchmarkStreamWindowPerChunk is the stream window's cost per chunk of
// 4 bytes of text (a token), with the real detectors and nothing to find:
// hold (an output kind redacted: text is held back and rescanned) and
// pass (flag only: events go out untouched, the text is still scanned).
func BenchmarkStreamWindowPerChunk(b *testing.B) {
	for _, c := range []struct {
		name   string
		output config.FilterActions
	}{
		{"hold", config.FilterActions{"secret.*": "redact"}},
		{"pass", config.FilterActions{"default": "flag"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			st := realState(b, c.output)
			var events [][]byte
			for i := 0; i+4 <= len(prose); i += 4 {
				events = append(events, []byte(chatChunk(prose[i:i+4])))
			}
			f := newStream(b, st)
			var out gateway.Events
			b.ReportAllocs()
			b.ResetTimer()
			t := cpubench.Start()
			for i := 0; i < b.N; i++ {
				if i%len(events) == 0 {
					out = gateway.Events{} // a new stream's buffers, amortised
					f.lanes = f.lanes[:0]
				}
				if err := f.Event(events[i%len(events)], &out); err != nil {
					b.Fatal(err)
				}
			}
			t.Report(b)
		})
	}
}

// BenchmarkRequestInspect finds the texts of a 4 KB chat request and
// scans them with every PII and secret detector (nothing to find).
func BenchmarkRequestInspect(b *testing.B) {
	st := realState(b, nil)
	body := []byte(`{"model":"m","messages":[{"role":"system","content":"You are helpful."},{"role":"user","content":"` + prose + `"}]}`)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	t := cpubench.Start()
	for i := 0; i < b.N; i++ {
		st.texts, st.found = st.texts[:0], st.found[:0]
		st.inspect(body)
		if len(st.found) != 0 {
			b.Fatal(st.found)
		}
	}
	t.Report(b)
}

// BenchmarkRequestRewrite pseudonymises three values in a 4 KB request.
func BenchmarkRequestRewrite(b *testing.B) {
	st := realState(b, nil)
	st.t.in.exact["pii.email"], st.t.in.exact["pii.phone"] = actPseudo, actPseudo
	body := []byte(`{"model":"m","messages":[{"role":"user","content":"Mail bob.smith@example.com or call +1 415 555 0132. ` + prose +
		` cc alice@example.org"}]}`)
	st.inspect(body)
	if len(st.found) != 3 {
		b.Fatal(st.found)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		st.vault.reset()
		_ = st.rewriteRequest(body, nil)
	}
}
