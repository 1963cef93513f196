package gateway_test

import (
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
