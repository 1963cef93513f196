package cache

import (
	"strings"
	"testing"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/metering"
)

// record runs events through a recorder as the gateway would (each one
// passed on unchanged) and returns it.
func record(t *testing.T, events []string, flush bool) *recorder {
	t.Helper()
	r := &recorder{limit: 1 << 20}
	var out gateway.Events
	for _, ev := range events {
		if err := r.Event([]byte(ev), &out); err != nil {
			t.Fatal(err)
		}
	}
	if out.Len() != len(events) {
		t.Fatalf("the recorder passed %d of %d events on", out.Len(), len(events))
	}
	if flush {
		_ = r.Flush(&out)
	}
	return r
}

const toolStream = `data: {"id":"c1","object":"chat.completion.chunk","created":5,"model":"gpt-x","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}

`

// TestRecordReplayRoundTrip: a stream with content, two tool calls whose
// arguments arrive in pieces and a finish reason is recorded as one
// chat.completion; its replay, recorded again, is the same answer.
func TestRecordReplayRoundTrip(t *testing.T) {
	ev := func(delta, finish string) string {
		return `data: {"id":"c1","object":"chat.completion.chunk","created":5,"model":"gpt-x","choices":[{"index":0,"delta":` + delta + `,"finish_reason":` + finish + `}]}` + "\n\n"
	}
	events := []string{toolStream,
		ev(`{"content":"Let me \"look\" "}`, "null"),
		ev(`{"content":"that up — ünïcode"}`, "null"),
		ev(`{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"search","arguments":"{\"q\":"}}]}`, "null"),
		ev(`{"tool_calls":[{"index":0,"function":{"arguments":"\"tollgate\"}"}}]}`, "null"),
		ev(`{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"fetch","arguments":"{}"}}]}`, "null"),
		ev(`{}`, `"tool_calls"`),
		`data: {"id":"c1","object":"chat.completion.chunk","created":5,"model":"gpt-x","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":11,"total_tokens":18}}` + "\n\n",
	}
	r := record(t, events, true)
	if !r.complete() {
		t.Fatal("a finished stream is not complete")
	}
	e := r.entry(metering.Usage{}, false)
	want := `{"id":"c1","object":"chat.completion","created":5,"model":"gpt-x","choices":[{"index":0,"message":{"role":"assistant","content":"Let me \"look\" that up — ünïcode","tool_calls":[{"id":"call_a","type":"function","function":{"name":"search","arguments":"{\"q\":\"tollgate\"}"}},{"id":"call_b","type":"function","function":{"name":"fetch","arguments":"{}"}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":7,"completion_tokens":11,"total_tokens":18}}`
	if string(e.Body) != want || e.Usage.CompletionTokens != 11 || e.Model != "gpt-x" {
		t.Fatalf("entry\n got %s\nwant %s\n%+v", e.Body, want, e.Usage)
	}
	rp, ok := replayChat(e, true)
	if !ok {
		t.Fatal("no replay")
	}
	var replayed []string
	for {
		b, err := rp.Next()
		if err != nil {
			break
		}
		replayed = append(replayed, string(b))
	}
	if replayed[len(replayed)-1] != "data: [DONE]\n\n" || !strings.Contains(replayed[len(replayed)-2], `"choices":[],"usage":{"prompt_tokens":7`) {
		t.Fatalf("replay ends %q", replayed[len(replayed)-2:])
	}
	again := record(t, replayed[:len(replayed)-1], true).entry(metering.Usage{}, false)
	if string(again.Body) != want {
		t.Fatalf("replay recorded again\n got %s\nwant %s", again.Body, want)
	}
}

// TestRecordIncomplete: a stream without a finish reason, one that did not
// end normally, or one carrying an error is never complete.
func TestRecordIncomplete(t *testing.T) {
	content := `data: {"id":"c1","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}` + "\n\n"
	done := `data: {"id":"c1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}` + "\n\n"
	for name, c := range map[string]struct {
		events []string
		flush  bool
	}{
		"no finish reason": {[]string{content}, true},
		"not flushed":      {[]string{content, done}, false},
		"error event":      {[]string{content, `data: {"error":{"message":"boom"}}` + "\n\n", done}, true},
		"garbage":          {[]string{content, "data: {oops\n\n", done}, true},
	} {
		if record(t, c.events, c.flush).complete() {
			t.Errorf("%s: complete", name)
		}
	}
	if !record(t, []string{content, done}, true).complete() {
		t.Error("a finished stream is not complete")
	}
}

// TestReplayChunking: long content is cut into chunks of at most
// chunkBytes on rune boundaries, and joined again it is the original.
func TestReplayChunking(t *testing.T) {
	text := strings.Repeat("ä€ word ", 40) + strings.Repeat("x", 300)
	for s := []byte(text); len(s) > 0; {
		n := cut(s)
		if n <= 0 || n > chunkBytes {
			t.Fatalf("cut %d", n)
		}
		if n < len(s) && s[n]&0xC0 == 0x80 {
			t.Fatalf("cut inside a rune at %d", n)
		}
		s = s[n:]
	}
}
