package metering

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestMeterObserveEvent(t *testing.T) {
	x := &Meter{hideUsage: true}
	events := []string{
		`data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}` + "\n\n",
		`data: {"choices":[{"index":0,"delta":{"content":"Hello \"w\"\n\u00e9\ud83d\ude00"}}]}` + "\n\n",
		`data: {"choices":[{"index":0,"delta":{"tool_calls":[{"function":{"arguments":"{\"a\":1}"}}]}}]}` + "\n\n",
		`data: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12,"prompt_tokens_details":{"cached_tokens":2}}}` + "\n\n",
		"data: [DONE]\n\n",
	}
	var hidden []int
	for i, ev := range events {
		if x.ObserveEvent([]byte(ev)) {
			hidden = append(hidden, i)
		}
	}
	if len(hidden) != 1 || hidden[0] != 3 {
		t.Fatalf("hidden %v, want only the injected usage chunk", hidden)
	}
	if !x.usageKnown || x.usage.PromptTokens != 5 || x.usage.CompletionTokens != 7 || x.usage.CachedTokens != 2 {
		t.Fatalf("usage %+v", x.usage)
	}
	want := "Hello \"w\"\né😀{\"a\":1}"
	if string(x.outText) != want {
		t.Fatalf("text %q, want %q", x.outText, want)
	}
}

// TestMeterObserveEventSpacing: upstreams that write JSON with spaces (Python's
// json.dumps: `"usage": {`) are read like compact ones; null values and
// lookalike text inside strings are not taken for members.
func TestMeterObserveEventSpacing(t *testing.T) {
	x := &Meter{hideUsage: true}
	events := []string{
		`data: {"choices": [{"index": 0, "delta": {"content": "Hi \"usage\": {", "tool_calls": [{"function": {"arguments" : "{}"}}]}, "finish_reason": null}], "usage": null}` + "\n\n",
		`data: {"choices": [{"index": 0, "delta": {}, "finish_reason" :  "length"}], "usage": null}` + "\n\n",
		`data: {"choices": [], "usage" : {"prompt_tokens": 11, "completion_tokens": 13, "total_tokens": 24}}` + "\n\n",
	}
	var hidden []int
	for i, ev := range events {
		if x.ObserveEvent([]byte(ev)) {
			hidden = append(hidden, i)
		}
	}
	if len(hidden) != 1 || hidden[0] != 2 {
		t.Fatalf("hidden %v, want only the injected usage chunk", hidden)
	}
	if !x.usageKnown || x.usage.PromptTokens != 11 || x.usage.CompletionTokens != 13 {
		t.Fatalf("usage %+v", x.usage)
	}
	if x.finishReason != "length" {
		t.Fatalf("finish reason %q", x.finishReason)
	}
	if want := `Hi "usage": {{}`; string(x.outText) != want {
		t.Fatalf("text %q, want %q", x.outText, want)
	}
}

// spaced re-writes compact JSON with a space around every colon and after
// every comma outside strings, as Python's json.dumps and others do.
func spaced(b []byte) []byte {
	var out []byte
	inStr, esc := false, false
	for _, c := range b {
		switch {
		case inStr:
			out = append(out, c)
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			continue
		case c == '"':
			inStr = true
		case c == ':':
			out = append(out, ' ', ':', ' ')
			continue
		case c == ',':
			out = append(out, ',', ' ')
			continue
		}
		out = append(out, c)
	}
	return out
}

// FuzzObserveEventSpacing: what metering reads from an event (usage,
// finish reason, text, whether it is hidden) does not depend on spacing.
func FuzzObserveEventSpacing(f *testing.F) {
	f.Add(`{"choices":[{"index":0,"delta":{"content":"a\"b, c: d"},"finish_reason":null}],"usage":null}`)
	f.Add(`{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`)
	f.Add(`{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":7,"completion_tokens_details":{"reasoning_tokens":2}}}`)
	f.Add(`{"choices":[{"delta":{"tool_calls":[{"function":{"name":"f","arguments":"{\"x\": 1}"}}]}}]}`)
	f.Fuzz(func(t *testing.T, data string) {
		var v map[string]any
		if strings.ContainsAny(data, "\r\n") || json.Unmarshal([]byte(data), &v) != nil {
			return
		}
		var compact bytes.Buffer
		if json.Compact(&compact, []byte(data)) != nil {
			return
		}
		a := &Meter{hideUsage: true}
		b := &Meter{hideUsage: true}
		ha := a.ObserveEvent(append([]byte("data: "), compact.Bytes()...))
		hb := b.ObserveEvent(append([]byte("data: "), spaced(compact.Bytes())...))
		if ha != hb || a.usageKnown != b.usageKnown || a.usage != b.usage || a.finishReason != b.finishReason || string(a.outText) != string(b.outText) {
			t.Fatalf("compact and spaced differ:\n%s\n%v %v %+v %q %q\n%v %v %+v %q %q", spaced(compact.Bytes()),
				ha, a.usageKnown, a.usage, a.finishReason, a.outText, hb, b.usageKnown, b.usage, b.finishReason, b.outText)
		}
	})
}
