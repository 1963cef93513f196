package messagesapi

import (
	"strings"
	"testing"
)

// TestStreamToolCallsWithoutIndex: servers that send no index (every call
// at 0) or repeat the id on each piece still get one block per call.
func TestStreamToolCallsWithoutIndex(t *testing.T) {
	var s Stream
	s.Reset("m", 1)
	var out []byte
	for _, d := range []string{
		`{"id":"c","choices":[{"delta":{"tool_calls":[{"id":"call_a","function":{"name":"f","arguments":"{}"}}]}}]}`,
		`{"id":"c","choices":[{"delta":{"tool_calls":[{"id":"call_b","function":{"name":"g","arguments":"{\"x\":"}}]}}]}`,
		`{"id":"c","choices":[{"delta":{"tool_calls":[{"id":"call_b","function":{"arguments":"1}"}}]}}]}`,
		`{"id":"c","choices":[{"delta":{},"finish_reason":"tool_calls"}]}`,
	} {
		var err error
		if out, err = s.Chunk(out, []byte(d)); err != nil {
			t.Fatal(err)
		}
	}
	out = s.Done(out, Usage{PromptTokens: 3, CompletionTokens: 4})
	got := string(out)
	if strings.Count(got, `"type":"tool_use"`) != 2 || !strings.Contains(got, `"index":1,"delta":{"type":"input_json_delta","partial_json":"1}"}`) ||
		!strings.Contains(got, `"stop_reason":"tool_use"`) {
		t.Fatalf("%s", got)
	}
}
