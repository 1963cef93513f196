package metering

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestRecordJSONMatchesEncodingJSON: the hand-written encoder and
// encoding/json agree on every field, so lines written by either parse the
// same.
func TestRecordJSONMatchesEncodingJSON(t *testing.T) {
	f := func(r Record) {
		t.Helper()
		line, err := r.appendJSON(nil)
		if err != nil || !strings.HasSuffix(string(line), "\n") {
			t.Fatalf("appendJSON: %v %q", err, line)
		}
		var mine, std map[string]any
		if err := json.Unmarshal(line, &mine); err != nil {
			t.Fatalf("invalid JSON %s: %v", line, err)
		}
		b, _ := json.Marshal(&r)
		_ = json.Unmarshal(b, &std)
		if !reflect.DeepEqual(mine, std) {
			t.Fatalf("mismatch\n mine %s\n std  %s", line, b)
		}
		back, err := parseRecordLine(line)
		if err != nil || !back.Time.Equal(r.Time) || back.RequestID != r.RequestID || back.CostPicos != r.CostPicos {
			t.Fatalf("round trip: %+v %v", back, err)
		}
	}
	now := time.Date(2026, 11, 23, 18, 0, 0, 123456789, time.UTC)
	f(Record{Time: now, RequestID: "r1"})
	f(Record{Time: now, RequestID: "r2 \"quoted\" <tag> & é", Tenant: "acme", Team: "t", KeyID: "k", ModelRequested: "a",
		ModelServed: "b", Deployment: "d", Endpoint: "chat", Tags: map[string]string{"z": "1", "a": "x\ny"},
		Usage:     Usage{PromptTokens: 10, CompletionTokens: 20, CachedTokens: 3, ReasoningTokens: 4},
		CostPicos: 123456789, CostMicros: 124, CostSavedPicos: 5, CostSavedMicros: 1, Status: 200, CacheHit: true,
		LatencyMs: 42, Flags: FlagEstimatedUsage | FlagClientAborted})
	f(Record{Time: now.In(time.FixedZone("x", 3600)), RequestID: "r3", Status: 502, Flags: FlagUnknownPrice})
	f(Record{Time: now, RequestID: "r4", Endpoint: "passthrough", Status: 200, BytesIn: 12, BytesOut: 3456})
	f(Record{Time: now, RequestID: "r5", Status: 200, AnsweredBy: "cache",
		Stages: map[string]string{"cache": "hit", "filters": "redacted:\"email\""}})
	f(Record{Time: now, RequestID: "r6", Status: 200, Rollout: "shadow"})
	many := map[string]string{}
	for i := range 11 { // more than the encoder sorts on the stack
		many[string(rune('k'-i))+"é"] = strings.Repeat("v", i)
	}
	f(Record{Time: now, RequestID: "r7", Status: 200, Tags: map[string]string{"team": "default"}, Stages: many})
}

// TestRecordLineWithoutBytesParses: lines written before bytes_in/bytes_out
// existed still parse (the fields read as zero).
func TestRecordLineWithoutBytesParses(t *testing.T) {
	r, err := parseRecordLine([]byte(`{"time":"2026-11-23T18:00:00Z","request_id":"old","prompt_tokens":1,"completion_tokens":2,"cost_picos":0,"cost_micros":0,"status":200,"latency_ms":5}`))
	if err != nil || r.BytesIn != 0 || r.BytesOut != 0 || r.CompletionTokens != 2 {
		t.Fatalf("%+v %v", r, err)
	}
	line, _ := (&Record{Time: r.Time, RequestID: "new", BytesOut: 7}).appendJSON(nil)
	if back, err := parseRecordLine(line); err != nil || back.BytesOut != 7 || strings.Contains(string(line), "bytes_in") {
		t.Fatalf("%s: %+v %v", line, back, err)
	}
}

func BenchmarkRecordAppendJSON(b *testing.B) {
	r := Record{Time: time.Now(), RequestID: "tg-0123456789abcdef", Tenant: "acme", Team: "search", KeyID: "k1",
		ModelRequested: "gpt-4o", ModelServed: "gpt-4o", Deployment: "openai/gpt-4o", Endpoint: "chat",
		Tags: map[string]string{"env": "prod"}, Usage: Usage{PromptTokens: 100, CompletionTokens: 50},
		CostPicos: 1234567, Status: 200, LatencyMs: 12}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = r.appendJSON(buf[:0])
	}
}

func TestWorstCaseSaturates(t *testing.T) {
	p := DefaultPrices()
	if got := p.WorstCaseMicros("gpt-4o", 100, 1<<62); got <= 0 || got < 1e12 {
		t.Fatalf("absurd max_tokens reserved %d micro-USD; it must saturate, not wrap", got)
	}
	if got := p.WorstCaseMicros("gpt-4o", 1000, 1000); got <= 0 || got > 1e6 {
		t.Fatalf("ordinary request reserved %d", got)
	}
}
