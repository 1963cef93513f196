package gateway_test

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tollgate-ai/tollgate/mockllm"
)

func TestPassthroughRoute(t *testing.T) {
	mockURL, _ := startMock(t, mockllm.Options{})
	root := strings.TrimSuffix(mockURL, "/v1")
	base, _ := startGateway(t, `
upstreams: [{name: kserve, kind: openai, base_url: "{{ROOT}}"}]
routes: [{prefix: /v2/models/, upstream: kserve}]
keys: [{id: k, key: sk-k}]
`, map[string]string{"ROOT": root})
	gwRoot := strings.TrimSuffix(base, "/v1")
	body := `{"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1.5]}]}`
	status, h, resp := rawPost(t, gwRoot+"/v2/models/m1/infer", "sk-k", body)
	if status != 200 || !strings.Contains(resp, "outputs") || h.Get("X-Request-Id") == "" {
		t.Fatalf("status %d body %s", status, resp)
	}
	status, _, _ = rawPost(t, gwRoot+"/v2/models/m1/infer", "sk-wrong", body)
	if status != 401 {
		t.Fatalf("passthrough without a valid key: %d", status)
	}
}

// TestPassthroughRelaysEventStreams: a model server's own streaming API
// behind a pass-through route arrives event by event, not buffered.
func TestPassthroughRelaysEventStreams(t *testing.T) {
	mockURL, mock := startMock(t, mockllm.Options{})
	gate := mock.Gate("pt")
	root := strings.TrimSuffix(mockURL, "/v1")
	base, _ := startGateway(t, `
upstreams: [{name: raw, kind: openai, base_url: "{{ROOT}}", headers: {x-mock-gate: pt}}]
routes: [{prefix: /raw/, upstream: raw, strip_prefix: true}]
`, map[string]string{"ROOT": root})
	gwRoot := strings.TrimSuffix(base, "/v1")
	req, _ := http.NewRequest(http.MethodPost, gwRoot+"/raw/v1/chat/completions",
		strings.NewReader(`{"model":"mock-gpt","stream":true,"messages":[{"role":"user","content":"hi"}]}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	line, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "data: ") {
		t.Fatalf("first line %q: %v", line, err)
	}
	select {
	case <-gate.Reached():
	default:
		t.Fatal("first event arrived but the mock never reached its gate: the stream was buffered")
	}
	gate.Open()
	rest, _ := io.ReadAll(br)
	if !strings.Contains(string(rest), "[DONE]") {
		t.Fatalf("stream did not finish: %s", rest)
	}
}
