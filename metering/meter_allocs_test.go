//go:build !race

package metering

import (
	"testing"

	"github.com/tollgate-ai/tollgate/metering/tokenizer"
)

// TestMeterAllocs: a request's whole metering, from the one parse to the
// charge, allocates nothing once the pools are warm; Record's only
// allocation is the request id string the ledger keeps.
func TestMeterAllocs(t *testing.T) {
	tokens, err := tokenizer.New(tokenizer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	prices := DefaultPrices()
	body := []byte(`{"model":"gpt-4o","messages":[{"role":"user","content":"Summarise connection pooling."}]}`)
	events := [][]byte{
		[]byte(`data: {"choices":[{"index":0,"delta":{"content":"Pooling reuses "},"finish_reason":null}],"usage":null}` + "\n\n"),
		[]byte(`data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}` + "\n\n"),
		[]byte(`data: {"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":3}}` + "\n\n"),
	}
	var m Meter
	f := Facts{RequestID: []byte("req-1"), ModelRequested: "gpt-4o", ModelServed: "gpt-4o", UpstreamModel: "gpt-4o",
		Committed: true, CountUnreported: true}
	run := func(reported bool) {
		if _, err := m.ParseRequest(body); err != nil {
			t.Fatal(err)
		}
		m.SetPrompt(tokens, Prompt{Kind: PromptChat, Model: "gpt-4o"})
		m.InjectUsage()
		m.CountPromptNow()
		m.ReleaseRequest()
		n := len(events)
		if !reported {
			n-- // no usage: the relayed text is counted
		}
		for _, ev := range events[:n] {
			m.ObserveEvent(ev)
		}
		_ = m.Charge(&f, &prices)
		m.Reset()
	}
	for _, reported := range []bool{true, false} {
		run(reported) // warm the pools
		if n := testing.AllocsPerRun(100, func() { run(reported) }); n != 0 {
			t.Fatalf("usage reported %v: %.1f allocs per request, want 0", reported, n)
		}
	}
}
