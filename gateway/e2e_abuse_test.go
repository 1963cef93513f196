package gateway_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/mockllm"
)

// TestInvalidUTF8BodyRefused: a body whose string values hold invalid
// UTF-8 is a 400 in OpenAI's shape, and never reaches the upstream.
func TestInvalidUTF8BodyRefused(t *testing.T) {
	mockURL, mock := startMock(t, mockllm.Options{})
	base, _ := startGateway(t, `
upstreams: [{name: u, kind: openai, base_url: "{{U}}"}]
models: [{name: m, deployments: [{upstream: u, model: mock-gpt}]}]
`, map[string]string{"U": mockURL})
	status, _, body := rawPost(t, base+"/chat/completions", "", "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"bad \xff\xfe bytes\"}]}")
	if status != 400 || !strings.Contains(body, `"type":"invalid_request_error"`) || !strings.Contains(body, "UTF-8") {
		t.Fatalf("invalid UTF-8: %d %s", status, body)
	}
	if n := mock.Stats().Requests; n != 0 {
		t.Fatalf("the upstream saw %d requests", n)
	}
	// Valid multi-byte text passes.
	status, _, body = rawPost(t, base+"/chat/completions", "", `{"model":"m","messages":[{"role":"user","content":"grüße, 你好 🙂"}]}`)
	if status != 200 {
		t.Fatalf("valid UTF-8: %d %s", status, body)
	}
}

// TestSlowRequestGets408: a client that sends its headers slower than
// server.read_timeout gets a 408 in OpenAI's shape, then the gateway
// closes the connection.
func TestSlowRequestGets408(t *testing.T) {
	mockURL, _ := startMock(t, mockllm.Options{})
	base, _ := startGateway(t, `
server: {read_timeout: 300ms}
upstreams: [{name: u, kind: openai, base_url: "{{U}}"}]
models: [{name: m, deployments: [{upstream: u, model: mock-gpt}]}]
`, map[string]string{"U": mockURL})
	c, err := net.Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(base, "http://"), "/v1"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Slow: "); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 408 || !strings.Contains(string(b), `"code":"request_timeout"`) || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("slow request: %d %v %s", resp.StatusCode, resp.Header, b)
	}
}
