package gateway_test

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tollgate-ai/tollgate/mockllm"
)

const streamBody = `{"model":"m","stream":true,"messages":[{"role":"user","content":"tell me a long story"}]}`

func TestClientDisconnectCancelsUpstream(t *testing.T) {
	mockURL, mock := startMock(t, mockllm.Options{})
	base, _ := startGateway(t, `
upstreams: [{name: u, kind: openai, base_url: "{{U}}", headers: {x-mock-tokens: "100000", x-mock-tokens-per-sec: "200"}}]
models: [{name: m, deployments: [{upstream: u, model: mock-gpt}]}]
`, map[string]string{"U": mockURL})
	req, _ := http.NewRequest(http.MethodPost, base+"/chat/completions", strings.NewReader(streamBody))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(resp.Body)
	if _, err := br.ReadString('\n'); err != nil { // the first event arrived
		t.Fatal(err)
	}
	resp.Body.Close() // the client walks away mid-stream
	waitFor(t, "the mock to see its stream cancelled", func() bool { return mock.Stats().StreamsCancelled == 1 })
	if s := mock.Stats(); s.StreamsCompleted != 0 {
		t.Fatalf("stream completed despite the disconnect: %+v", s)
	}
}

// readSSE posts a streaming request and returns every event's data.
func readSSE(t *testing.T, url, body string) []string {
	t.Helper()
	return readSSEWithKey(t, url, "", body)
}

func readSSEWithKey(t *testing.T, url, key, body string) []string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	var out []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			out = append(out, d)
		}
	}
	if err := sc.Err(); err != nil && !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
	return out
}

func TestMidStreamFailureEndsWithErrorEvent(t *testing.T) {
	mockURL, _ := startMock(t, mockllm.Options{})
	base, _ := startGateway(t, `
upstreams: [{name: u, kind: openai, base_url: "{{U}}", headers: {x-mock-fail-after: "3"}}]
models: [{name: m, deployments: [{upstream: u, model: mock-gpt}]}]
`, map[string]string{"U": mockURL})
	events := readSSE(t, base+"/chat/completions", streamBody)
	if len(events) < 2 {
		t.Fatalf("events %v", events)
	}
	last := events[len(events)-1]
	if !strings.Contains(last, `"code":"upstream_stream_broken"`) {
		t.Fatalf("last event %s, want an upstream_stream_broken error", last)
	}
}

func TestStreamIdleTimeoutEndsWithErrorEvent(t *testing.T) {
	mockURL, mock := startMock(t, mockllm.Options{})
	mock.Gate("never") // created, never opened: the stream stalls after one chunk
	base, _ := startGateway(t, `
upstreams: [{name: u, kind: openai, base_url: "{{U}}", headers: {x-mock-gate: never}, timeouts: {idle: 200ms}}]
models: [{name: m, deployments: [{upstream: u, model: mock-gpt}]}]
`, map[string]string{"U": mockURL})
	events := readSSE(t, base+"/chat/completions", streamBody)
	if len(events) != 2 || !strings.Contains(events[1], `"code":"upstream_timeout"`) || !strings.Contains(events[1], "idle") {
		t.Fatalf("events %v, want one chunk then an idle timeout error", events)
	}
}

func TestFirstByteTimeoutRetriesThenFails(t *testing.T) {
	mockURL, mock := startMock(t, mockllm.Options{})
	base, _ := startGateway(t, `
upstreams: [{name: u, kind: openai, base_url: "{{U}}", headers: {x-mock-latency-ms: "2000"}, timeouts: {first_byte: 100ms}}]
models: [{name: m, retry: {attempts: 2, backoff: 1ms}, deployments: [{upstream: u, model: mock-gpt}]}]
`, map[string]string{"U": mockURL})
	status, _, body := rawPost(t, base+"/chat/completions", "", streamBody)
	if status != 504 || !strings.Contains(body, "upstream_timeout") {
		t.Fatalf("status %d body %s", status, body)
	}
	if n := mock.Stats().Requests; n != 2 {
		t.Fatalf("mock saw %d requests, want 2 attempts", n)
	}
}

// TestStreamFailingBeforeFirstEventIsRetried: a stream that opens with an
// error event, or ends before any event, has sent the client nothing yet,
// so the gateway retries it on another deployment.
func TestStreamFailingBeforeFirstEventIsRetried(t *testing.T) {
	for name, body := range map[string]string{
		"error event": "data: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}\n\n",
		"empty":       "",
	} {
		t.Run(name, func(t *testing.T) {
			yml, vars, bad, good := badFirstConfig(t, "    retry: {attempts: 2, backoff: 1ms}")
			bad.sse.Store(&body)
			base, _ := startGateway(t, yml, vars)
			events := readSSE(t, base+"/chat/completions", streamBody)
			if events[len(events)-1] != "[DONE]" || bad.hits.Load() != 1 || good.hits.Load() != 1 {
				t.Fatalf("bad %d good %d events %v", bad.hits.Load(), good.hits.Load(), events)
			}
		})
	}
}

// TestStreamRequestGetsUpstreamClientError: a 4xx answer to a streaming
// request reaches the client with the upstream's body intact.
func TestStreamRequestGetsUpstreamClientError(t *testing.T) {
	url, sw := startSwitchable(t)
	sw.status.Store(400)
	base, _ := startGateway(t, `
upstreams: [{name: u, kind: openai, base_url: "{{U}}"}]
models: [{name: m, deployments: [{upstream: u, model: mock-gpt}]}]
`, map[string]string{"U": url})
	status, _, body := rawPost(t, base+"/chat/completions", "", streamBody)
	if status != 400 || !strings.Contains(body, "injected failure") {
		t.Fatalf("status %d body %q", status, body)
	}
}
