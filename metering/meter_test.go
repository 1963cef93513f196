package metering

import (
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/metering/tokenizer"
)

func testTokens(t *testing.T) *tokenizer.Registry {
	t.Helper()
	r, err := tokenizer.New(tokenizer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestMeterPromptEstimate: the estimate counts from the one parse, the same
// as the tokenizer counts the body; without a tokenizer, or once the parse
// was released unestimated, it is the 4-characters rule.
func TestMeterPromptEstimate(t *testing.T) {
	tokens := testTokens(t)
	chat := []byte(`{"model":"gpt-4o","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Why pool connections?"}]}`)
	want, err := tokens.CountChatJSON("gpt-4o", chat)
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := tokens.ForModel("gpt-4o")
	f := func(name string, tok *tokenizer.Registry, body []byte, p Prompt, release bool, want int) {
		t.Helper()
		var m Meter
		defer m.Reset()
		if _, err := m.ParseRequest(body); err != nil {
			t.Fatal(err)
		}
		m.SetPrompt(tok, p)
		if release {
			m.ReleaseRequest()
		}
		if got := m.PromptEstimate(); got != want {
			t.Fatalf("%s: estimate %d, want %d", name, got, want)
		}
		if got := m.PromptEstimate(); got != want {
			t.Fatalf("%s: second estimate %d, want %d (counted once)", name, got, want)
		}
	}
	chatPrompt := Prompt{Kind: PromptChat, Model: "gpt-4o", Chars: 30, Messages: 2}
	f("chat", tokens, chat, chatPrompt, false, want.Tokens)
	f("no tokenizer", nil, chat, chatPrompt, false, 30/4+4*2+3)
	f("released", tokens, chat, chatPrompt, true, 30/4+4*2+3)
	text := Prompt{Kind: PromptText, Model: "gpt-4o"}
	f("completions", tokens, []byte(`{"model":"gpt-4o","prompt":["hello world",[1,2,3]]}`), text, false, enc.CountString("hello world")+3)
	f("embeddings", tokens, []byte(`{"model":"gpt-4o","input":"hello world"}`), text, false, enc.CountString("hello world"))
}

// TestMeterCharge: only committed requests are charged; unreported usage is
// counted (flagged) unless the body has no known shape; the upstream's
// model name is priced first, an unpriced one flagged.
func TestMeterCharge(t *testing.T) {
	prices := DefaultPrices()
	reported := Usage{PromptTokens: 100, CompletionTokens: 20}
	cost := func(model string, u Usage) int64 { p, _ := prices.CostPicos(model, u); return p }
	f := func(name string, known bool, fa Facts, want Charge) {
		t.Helper()
		m := Meter{outText: []byte("twelve chars"), estimated: true, estimate: 40}
		if known {
			m.usage, m.usageKnown = reported, true
		}
		if got := m.Charge(&fa, &prices); got != want {
			t.Fatalf("%s: charge %+v, want %+v", name, got, want)
		}
	}
	served := Facts{ModelRequested: "fast", ModelServed: "fast", UpstreamModel: "gpt-4o-mini", Committed: true, CountUnreported: true}
	f("reported", true, served, Charge{Usage: reported, CostPicos: cost("gpt-4o-mini", reported)})
	counted := Usage{PromptTokens: 40, CompletionTokens: 3}
	f("counted", false, served, Charge{Usage: counted, CostPicos: cost("gpt-4o-mini", counted), Flags: FlagEstimatedUsage})
	failed := served
	failed.Committed, failed.ClientAborted = false, true
	f("failed attempt", true, failed, Charge{Usage: reported, Flags: FlagClientAborted})
	alias := Facts{ModelRequested: "gpt-4o", ModelServed: "gpt-4o", UpstreamModel: "my-finetune", Committed: true, CountUnreported: true}
	f("served name priced", true, alias, Charge{Usage: reported, CostPicos: cost("gpt-4o", reported)})
	unpriced := Facts{ModelServed: "house", UpstreamModel: "house-v1", Committed: true, CountUnreported: true}
	f("unknown price", true, unpriced, Charge{Usage: reported, CostPicos: cost("house", reported), Flags: FlagUnknownPrice})
	pass := Facts{ModelRequested: "gpt-4o", Committed: true}
	f("pass-through reported", true, pass, Charge{Usage: reported, CostPicos: cost("gpt-4o", reported)})
	f("pass-through silent", false, pass, Charge{})
	f("pass-through no model", true, Facts{Committed: true}, Charge{Usage: reported})
}

func TestChargeRecord(t *testing.T) {
	start := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	f := Facts{Start: start, Duration: 1500 * time.Millisecond, RequestID: []byte("r1"), Tenant: "acme", Team: "t", KeyID: "k",
		Tags: map[string]string{"a": "b"}, ModelRequested: "fast", ModelServed: "gpt-4o", Deployment: "d1",
		Endpoint: "chat", Status: 200, BytesIn: 1, BytesOut: 2}
	c := Charge{Usage: Usage{PromptTokens: 1}, CostPicos: 2_500_001, Flags: FlagEstimatedUsage}
	r := c.Record(&f)
	if r.Time != start || r.RequestID != "r1" || r.Tenant != "acme" || r.Team != "t" || r.KeyID != "k" || r.Tags["a"] != "b" ||
		r.ModelRequested != "fast" || r.ModelServed != "gpt-4o" || r.Deployment != "d1" || r.Endpoint != "chat" ||
		r.Status != 200 || r.LatencyMs != 1500 || r.Usage != c.Usage || r.CostPicos != 2_500_001 || r.CostMicros != 3 ||
		r.Flags != FlagEstimatedUsage || r.BytesIn != 1 || r.BytesOut != 2 {
		t.Fatalf("%+v", r)
	}
}

// TestMeterCountPromptNow: a stream counts its prompt before the parse is
// released (the estimate survives it); once the upstream reported usage,
// there is nothing to count.
func TestMeterCountPromptNow(t *testing.T) {
	tokens := testTokens(t)
	body := []byte(`{"model":"gpt-4o","messages":[{"role":"user","content":"Why pool connections?"}]}`)
	want, _ := tokens.CountChatJSON("gpt-4o", body)
	var m Meter
	defer m.Reset()
	if _, err := m.ParseRequest(body); err != nil {
		t.Fatal(err)
	}
	m.SetPrompt(tokens, Prompt{Kind: PromptChat, Model: "gpt-4o", Chars: 21, Messages: 1})
	m.CountPromptNow()
	m.ReleaseRequest()
	if m.Request() != nil || m.PromptEstimate() != want.Tokens {
		t.Fatalf("after release: request %v, estimate %d, want %d", m.Request(), m.PromptEstimate(), want.Tokens)
	}
	m.Reset()
	m.SetPrompt(tokens, Prompt{Kind: PromptChat, Model: "gpt-4o"})
	m.usageKnown = true
	m.CountPromptNow()
	if m.estimated {
		t.Fatal("counted a prompt the upstream reported")
	}
}
