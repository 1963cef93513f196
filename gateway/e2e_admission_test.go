package gateway_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"github.com/tollgate-ai/tollgate/mockllm"
)

const admissionConfig = `
server: {max_in_flight: {{LIMIT}}}
upstreams:
  - {name: held, kind: openai, base_url: "{{U}}", headers: {x-mock-gate: hold}}
  - {name: free, kind: openai, base_url: "{{U}}"}
models:
  - {name: m, deployments: [{upstream: held, model: mock-gpt}]}
  - {name: quick, deployments: [{upstream: free, model: mock-gpt}]}
`

// openHeldStreams opens n streams of model m and reads each one's first
// chunk: they stay open, holding their slots, until the gate opens.
func openHeldStreams(t *testing.T, c *openai.Client, n int) []*openai.ChatCompletionStream {
	t.Helper()
	var out []*openai.ChatCompletionStream
	for i := 0; i < n; i++ {
		req := chatReq("m", "tell me a long story")
		req.Stream = true
		st, err := c.CreateChatCompletionStream(context.Background(), req)
		if err != nil {
			t.Fatalf("stream %d: %v", i, err)
		}
		if _, err := st.Recv(); err != nil {
			t.Fatalf("stream %d first chunk: %v", i, err)
		}
		out = append(out, st)
		t.Cleanup(func() { st.Close() })
	}
	return out
}

// TestAdmissionShedsOverLimit: with max_in_flight streams open, the next
// model request is shed at once with 503 overloaded in OpenAI's shape and
// Retry-After, never reaching the upstream; probes and metrics still
// answer; once the streams end the gateway admits again.
func TestAdmissionShedsOverLimit(t *testing.T) {
	mockURL, mock := startMock(t, mockllm.Options{})
	gate := mock.Gate("hold")
	base, gw := startGateway(t, admissionConfig, map[string]string{"U": mockURL, "LIMIT": "2"})
	c := newClient(base, "")
	streams := openHeldStreams(t, c, 2)
	if n := gw.InFlight(); n != 2 {
		t.Fatalf("in flight %d, want the 2 open streams", n)
	}
	before := mock.Stats().Requests

	_, err := c.CreateChatCompletion(context.Background(), chatReq("quick", "hi"))
	apiErr(t, err, 503, "overloaded")
	_, err = c.CreateEmbeddings(context.Background(), openai.EmbeddingRequest{Model: "quick", Input: []string{"x"}})
	apiErr(t, err, 503, "overloaded")
	status, h, body := rawPost(t, base+"/chat/completions", "", `{"model":"quick","messages":[{"role":"user","content":"hi"}]}`)
	if status != 503 || h.Get("Retry-After") != "1" || h.Get("Content-Type") != "application/json" ||
		!strings.Contains(body, `"type":"server_error"`) || !strings.Contains(body, "server.max_in_flight") || h.Get("X-Request-Id") == "" {
		t.Fatalf("shed answer %d %v %s", status, h, body)
	}
	status, h, body = rawPost(t, strings.TrimSuffix(base, "/v1")+"/v1/messages", "", `{"model":"quick","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}`)
	if status != 503 || h.Get("Retry-After") != "1" || !strings.Contains(body, `"type":"overloaded_error"`) {
		t.Fatalf("Messages API shed answer %d %v %s", status, h, body)
	}
	if got := mock.Stats().Requests; got != before {
		t.Fatalf("the upstream saw %d shed requests", got-before)
	}
	root := strings.TrimSuffix(base, "/v1")
	for _, p := range []string{"/healthz", "/readyz", "/v1/models"} {
		resp, err := http.Get(root + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s answered %d while saturated", p, resp.StatusCode)
		}
	}

	gate.Open()
	for _, st := range streams {
		drain(t, st)
	}
	waitFor(t, "the streams' slots back", func() bool { return gw.InFlight() == 0 })
	if _, err := c.CreateChatCompletion(context.Background(), chatReq("quick", "hi")); err != nil {
		t.Fatalf("after the load dropped: %v", err)
	}
	if n := gw.InFlight(); n != 0 {
		t.Fatalf("in flight %d after a buffered answer, want 0", n)
	}
}

// TestAdmissionLimitReloads: the limit applies on reload, both ways, and
// 0 turns it off.
func TestAdmissionLimitReloads(t *testing.T) {
	mockURL, mock := startMock(t, mockllm.Options{})
	gate := mock.Gate("hold")
	vars := map[string]string{"U": mockURL, "LIMIT": "1"}
	base, gw := startGateway(t, admissionConfig, vars)
	c := newClient(base, "")
	openHeldStreams(t, c, 1)
	_, err := c.CreateChatCompletion(context.Background(), chatReq("quick", "hi"))
	apiErr(t, err, 503, "overloaded")

	vars["LIMIT"] = "0"
	if err := gw.Reload(parseConfig(t, admissionConfig, vars)); err != nil {
		t.Fatal(err)
	}
	openHeldStreams(t, c, 2) // no limit: 3 open
	if _, err := c.CreateChatCompletion(context.Background(), chatReq("quick", "hi")); err != nil {
		t.Fatalf("limit off: %v", err)
	}
	vars["LIMIT"] = "3"
	if err := gw.Reload(parseConfig(t, admissionConfig, vars)); err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateChatCompletion(context.Background(), chatReq("quick", "hi"))
	apiErr(t, err, 503, "overloaded")
	gate.Open()
}

// TestAdmissionSlotFreedWhenClientLeaves: a stream whose client hangs up
// gives its slot back.
func TestAdmissionSlotFreedWhenClientLeaves(t *testing.T) {
	mockURL, _ := startMock(t, mockllm.Options{})
	base, gw := startGateway(t, admissionConfig, map[string]string{"U": mockURL, "LIMIT": "1"})
	streams := openHeldStreams(t, newClient(base, ""), 1)
	streams[0].Close()
	waitFor(t, "the slot of the stream whose client left", func() bool { return gw.InFlight() == 0 })
	if _, err := newClient(base, "").CreateChatCompletion(context.Background(), chatReq("quick", "hi")); err != nil {
		t.Fatalf("after the client left: %v", err)
	}
}

// TestConnectionLimitAnswersJSON: a connection over server.concurrency
// gets a 503 overloaded in OpenAI's shape, never fasthttp's plain text.
func TestConnectionLimitAnswersJSON(t *testing.T) {
	mockURL, _ := startMock(t, mockllm.Options{})
	base, _ := startGateway(t, `
server: {concurrency: 1}
upstreams: [{name: u, kind: openai, base_url: "{{U}}"}]
models: [{name: m, deployments: [{upstream: u, model: mock-gpt}]}]
`, map[string]string{"U": mockURL})
	host := strings.TrimSuffix(strings.TrimPrefix(base, "http://"), "/v1")
	first, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	get := "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
	if _, err := io.WriteString(first, get); err != nil {
		t.Fatal(err)
	}
	if resp, err := http.ReadResponse(bufio.NewReader(first), nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("first connection: %v %v", resp, err)
	}
	// first stays open (keep-alive): the second is over the limit.
	second, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	_ = second.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(second, get); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(second), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 503 || resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("Retry-After") != "1" ||
		!strings.Contains(string(b), `"code":"overloaded"`) || !strings.Contains(string(b), "server.concurrency") {
		t.Fatalf("over the connection limit: %d %v %s", resp.StatusCode, resp.Header, b)
	}
	first.Close()
	// The slot comes back: a new connection is served.
	waitFor(t, "a connection served again", func() bool {
		resp, err := http.Get("http://" + host + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
}
