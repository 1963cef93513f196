package health

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestAccessLogWritesOneJSONLinePerRequest(t *testing.T) {
	var buf bytes.Buffer
	al := NewAccessLogger(&buf)
	al.Log(&AccessEntry{
		RequestID: "req-1", Tenant: "acme", Team: "search", Model: "mock-gpt", Deployment: "primary", Status: 200,
		Latency: 1234500 * time.Microsecond, TTFT: 150 * time.Millisecond, PromptTokens: 12, CompletionTokens: 34,
		CostMicros: 2500, Cache: "miss", Policy: "redact", Stream: true,
		Findings: []FindingCount{{Kind: "email", Count: 2}, {Kind: "api_key", Count: 1}},
	})
	al.Log(&AccessEntry{RequestID: "req-2", Status: 502, ErrKind: ErrUpstream5xx})
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got %q", buf.String())
	}
	var e map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &e); err != nil {
		t.Fatal(err)
	}
	f := func(key string, want any) {
		t.Helper()
		if got := e[key]; got != want {
			t.Fatalf("%s = %#v, want %#v (line %s)", key, got, want, lines[0])
		}
	}
	f("msg", "access")
	f("request_id", "req-1")
	f("tenant", "acme")
	f("team", "search")
	f("model", "mock-gpt")
	f("deployment", "primary")
	f("status", 200.0)
	f("latency_ms", 1234.5)
	f("ttft_ms", 150.0)
	f("prompt_tokens", 12.0)
	f("completion_tokens", 34.0)
	f("cost_usd", 0.0025)
	f("cache", "miss")
	f("policy", "redact")
	f("stream", true)
	if fc, _ := e["findings"].(map[string]any); fc["email"] != 2.0 || fc["api_key"] != 1.0 {
		t.Fatalf("findings = %v", e["findings"])
	}
	if _, has := e["error_kind"]; has {
		t.Fatal("error_kind present on a successful request")
	}
	if !strings.Contains(lines[1], `"error_kind":"upstream_5xx"`) {
		t.Fatalf("second line %s", lines[1])
	}
}

func TestAccessLogConcurrentLinesStayWhole(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	al := NewAccessLogger(lockedWriter{&buf, &mu})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				al.Log(&AccessEntry{RequestID: "r", Model: "m", Status: 200})
			}
		}()
	}
	wg.Wait()
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if !json.Valid([]byte(l)) {
			t.Fatalf("interleaved line %q", l)
		}
	}
}

type lockedWriter struct {
	b  *bytes.Buffer
	mu *sync.Mutex
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// The line is written by hand: escapes, the time and odd floats must still
// give JSON that log shippers parse.
func TestAccessLogLineIsValidJSONForAnyValue(t *testing.T) {
	var buf bytes.Buffer
	before := time.Now()
	NewAccessLogger(&buf).Log(&AccessEntry{RequestID: "id\"\\\n\u2028\x01", Tenant: "t\xff", Model: "m</script>",
		Latency: -3 * time.Millisecond, CostMicros: 1, Findings: []FindingCount{{Kind: `k"q`, Count: 3}}})
	var e struct {
		Time      time.Time      `json:"time"`
		Level     string         `json:"level"`
		RequestID string         `json:"request_id"`
		Latency   float64        `json:"latency_ms"`
		Cost      float64        `json:"cost_usd"`
		Findings  map[string]int `json:"findings"`
	}
	if err := json.Unmarshal(buf.Bytes(), &e); err != nil {
		t.Fatalf("%v: %s", err, buf.String())
	}
	if e.RequestID != "id\"\\\n\u2028\x01" || e.Level != "INFO" || e.Latency != -3 || e.Cost != 0.000001 || e.Findings[`k"q`] != 3 {
		t.Fatalf("decoded %+v from %s", e, buf.String())
	}
	if e.Time.Before(before.Add(-time.Second)) || e.Time.After(time.Now().Add(time.Second)) {
		t.Fatalf("time %v, want about %v", e.Time, before)
	}
}
