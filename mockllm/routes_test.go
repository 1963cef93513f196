package mockllm

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"
)

func TestModels(t *testing.T) {
	ts := startServer(t, Options{})
	c := ts.client(nil)
	list, err := c.ListModels(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range list.Models {
		ids = append(ids, m.ID)
		if m.Object != "model" || m.OwnedBy != "mockllm" {
			t.Errorf("model %+v", m)
		}
	}
	if strings.Join(ids, ",") != "mock-gpt,mock-embed" {
		t.Errorf("models %v", ids)
	}
	m, err := c.GetModel(context.Background(), "anything-goes")
	if err != nil || m.ID != "anything-goes" {
		t.Errorf("GetModel: %+v, %v", m, err)
	}
	for _, path := range []string{"/models", "/models/mock-gpt"} {
		if status, _, body := ts.do(t, http.MethodGet, path, nil, ""); status != 200 || !json.Valid(body) {
			t.Errorf("GET %s (no /v1): %d %s", path, status, body)
		}
	}
}

func TestUnprefixedPaths(t *testing.T) {
	ts := startServer(t, Options{MaxTokens: 2})
	f := func(path, body, wantObject string) {
		t.Helper()
		status, _, raw := ts.post(t, path, nil, body)
		var resp struct{ Object string }
		if err := json.Unmarshal(raw, &resp); err != nil || status != 200 || resp.Object != wantObject {
			t.Errorf("%s: status %d body %s", path, status, raw)
		}
	}
	f("/chat/completions", chatBody, "chat.completion")
	f("/completions", `{"model":"m","prompt":"x"}`, "text_completion")
	f("/embeddings", `{"model":"m","input":"x"}`, "list")
}

func TestAzurePaths(t *testing.T) {
	ts := startServer(t, Options{})
	cfg := openai.DefaultAzureConfig("azure-key", "http://mock")
	cfg.HTTPClient = ts.http
	cfg.AzureModelMapperFunc = func(string) string { return "my-deployment" }
	c := openai.NewClientWithConfig(cfg)
	resp, err := c.CreateChatCompletion(context.Background(), chatRequest("hi from azure"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Model != "my-deployment" || resp.Usage.CompletionTokens != DefaultMaxTokens {
		t.Errorf("model %q usage %+v: want the deployment as model", resp.Model, resp.Usage)
	}
	emb, err := c.CreateEmbeddings(context.Background(), openai.EmbeddingRequest{Model: "text-embedding-3-small", Input: "x"})
	if err != nil || emb.Model != "my-deployment" {
		t.Errorf("embeddings: %+v %v", emb.Model, err)
	}
	status, _, body := ts.post(t, "/openai/deployments/d1/chat/completions", nil, chatBody)
	if status != 400 || !strings.Contains(string(body), "api-version") {
		t.Errorf("without api-version: %d %s", status, body)
	}
	status, _, body = ts.post(t, "/openai/deployments/d1/images?api-version=1", nil, chatBody)
	if status != 404 {
		t.Errorf("unknown operation: %d %s", status, body)
	}
}

func TestKServeInfer(t *testing.T) {
	ts := startServer(t, Options{})
	body := `{"id":"r1","inputs":[{"name":"in","shape":[1,3],"datatype":"FP32","data":[1,2,3]}]}`
	status, _, a := ts.post(t, "/v2/models/resnet/infer", nil, body)
	var resp struct {
		ModelName string `json:"model_name"`
		ID        string `json:"id"`
		Outputs   []struct {
			Name     string    `json:"name"`
			Shape    []int     `json:"shape"`
			Datatype string    `json:"datatype"`
			Data     []float32 `json:"data"`
		} `json:"outputs"`
	}
	if err := json.Unmarshal(a, &resp); err != nil || status != 200 {
		t.Fatalf("status %d body %s", status, a)
	}
	if resp.ModelName != "resnet" || resp.ID != "r1" || len(resp.Outputs) != 1 || len(resp.Outputs[0].Data) != 2 {
		t.Errorf("response %s", a)
	}
	_, _, b := ts.post(t, "/v2/models/resnet/infer", nil, body)
	_, _, c := ts.post(t, "/v2/models/resnet/infer", nil, strings.Replace(body, "[1,2,3]", "[1,2,4]", 1))
	if string(a) != string(b) || string(a) == string(c) {
		t.Errorf("want same input same output, other input other output:\n%s\n%s\n%s", a, b, c)
	}
	if status, _, _ := ts.post(t, "/v2/models/resnet/infer", nil, `{"x":1}`); status != 400 {
		t.Errorf("no inputs: %d", status)
	}
}

func TestUnknownRouteAndMethod(t *testing.T) {
	ts := startServer(t, Options{})
	f := func(method, path string, wantStatus int) {
		t.Helper()
		status, _, body := ts.do(t, method, path, nil, "")
		var e struct {
			Error struct{ Message, Type string }
		}
		if err := json.Unmarshal(body, &e); err != nil || status != wantStatus || e.Error.Message == "" {
			t.Errorf("%s %s: %d %s", method, path, status, body)
		}
	}
	f(http.MethodPost, "/v1/nope", 404)
	f(http.MethodGet, "/v1/chat/completions", 405)
	f(http.MethodPost, "/v1/models", 405)
	f(http.MethodGet, "/v2/models/x/infer", 405)
	status, _, body := ts.do(t, http.MethodGet, "/_mock/stats", nil, "")
	var st map[string]int64
	if err := json.Unmarshal(body, &st); err != nil || status != 200 || st["bad_requests"] != 4 || st["requests"] != 5 {
		t.Errorf("stats: %d %s", status, body)
	}
}
