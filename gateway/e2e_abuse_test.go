package gateway_test

import (
	"strings"
	"testing"

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
