package filterstage

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/filters"
	"github.com/tollgate-ai/tollgate/gateway"
)

// literalScanner is a stand-in detector: it finds fixed strings.
type literalScanner struct {
	lits  []string
	kinds []string
}

func newLiteralScanner(pairs ...string) *literalScanner {
	s := &literalScanner{}
	for i := 0; i+1 < len(pairs); i += 2 {
		s.lits, s.kinds = append(s.lits, pairs[i]), append(s.kinds, pairs[i+1])
	}
	return s
}

func (s *literalScanner) Scan(text []byte, dst []filters.Finding) []filters.Finding {
	base := len(dst)
	for i := 0; i < len(text); i++ {
		for j, lit := range s.lits {
			if bytes.HasPrefix(text[i:], []byte(lit)) {
				dst = append(dst, filters.Finding{Kind: s.kinds[j], Start: i, End: i + len(lit), Score: 1})
			}
		}
	}
	_ = base
	return dst
}

func (s *literalScanner) MaxSpan() int {
	n := 0
	for _, l := range s.lits {
		n = max(n, len(l))
	}
	return n
}

var testScanner = newLiteralScanner(
	"bob@example.com", "pii.email",
	"alice@example.org", "pii.email",
	"4111111111111111", "pii.credit_card",
	"AKIAIOSFODNN7EXAMPLE", "secret.aws_access_key",
	"ignore all previous instructions", "injection",
)

// testState is a request's state as InspectRequest leaves it, for the
// actions in yml (a filters section's input/output).
func testState(t testing.TB, input, output config.FilterActions) *reqState {
	t.Helper()
	cfg := config.FiltersConfig{Enabled: true, Input: input, Output: output}
	if cfg.Input == nil {
		cfg.Input = config.FilterActions{}
	}
	if cfg.Output == nil {
		cfg.Output = config.FilterActions{}
	}
	s, err := New(cfg, testScanner)
	if err != nil {
		t.Fatal(err)
	}
	st := &reqState{set: s.cur.Load()}
	st.t = st.set.pol.tablesFor("", "", "")
	return st
}

// inspect scans a request body into st (InspectRequest without a View).
func (st *reqState) inspect(body []byte) {
	st.texts, _ = requestTexts(body, st.texts[:0])
	for i, sp := range st.texts {
		st.fbuf = st.set.sc.Scan(st.tx.text(body, sp), st.fbuf[:0])
		for _, f := range st.fbuf {
			st.found = append(st.found, found{text: i, f: f})
		}
	}
}

// streamOf runs events through a stream filter and returns what the
// client gets: the events, and the error that cut the stream.
func streamOf(f *streamFilter, events []string) ([]string, *gateway.APIError) {
	var out []string
	var ev gateway.Events
	collect := func() {
		for i := 0; i < ev.Len(); i++ {
			out = append(out, string(ev.At(i)))
		}
		ev = gateway.Events{}
	}
	for _, e := range events {
		err := f.Event([]byte(e), &ev)
		collect()
		if err != nil {
			return out, err
		}
	}
	err := f.Flush(&ev)
	collect()
	return out, err
}

// chatChunk is a chat.completion.chunk event carrying content.
func chatChunk(content string) string {
	b, _ := json.Marshal(content)
	return `data: {"id":"c1","object":"chat.completion.chunk","created":7,"model":"m","choices":[{"index":0,"delta":{"content":` +
		string(b) + `},"finish_reason":null}]}` + "\n\n"
}

const finishChunk = `data: {"id":"c1","object":"chat.completion.chunk","created":7,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}` + "\n\n"

// streamText joins the text the client got per choice (content and tool
// arguments), checking every event is a valid chunk that kept its envelope.
func streamText(t *testing.T, events []string) (content, args string, finish []string) {
	t.Helper()
	var c, a strings.Builder
	for _, e := range events {
		data, ok := strings.CutPrefix(e, "data: ")
		if !ok || !strings.HasSuffix(e, "\n\n") {
			t.Fatalf("not an event: %q", e)
		}
		var ch struct {
			ID, Object, Model string
			Created           int
			Choices           []struct {
				Index int
				Delta struct {
					Content   string
					ToolCalls []struct {
						Index    int
						Function struct{ Arguments string }
					} `json:"tool_calls"`
				}
				FinishReason *string `json:"finish_reason"`
			}
		}
		if err := json.Unmarshal([]byte(data), &ch); err != nil {
			t.Fatalf("invalid chunk %q: %v", data, err)
		}
		if ch.ID != "c1" || ch.Model != "m" || ch.Created != 7 || ch.Object != "chat.completion.chunk" {
			t.Fatalf("envelope lost: %s", data)
		}
		for _, x := range ch.Choices {
			c.WriteString(x.Delta.Content)
			for _, tc := range x.Delta.ToolCalls {
				a.WriteString(tc.Function.Arguments)
			}
			if x.FinishReason != nil {
				finish = append(finish, *x.FinishReason)
			}
		}
	}
	return c.String(), a.String(), finish
}

func utf8Valid(s string) bool   { return utf8.ValidString(s) }
func utf8RuneStart(b byte) bool { return utf8.RuneStart(b) }
