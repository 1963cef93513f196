package evals_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"github.com/tollgate-ai/tollgate/cache"
	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/evals"
	"github.com/tollgate-ai/tollgate/filters/filterstage"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/tollgate-ai/tollgate/policy"
)

// echoUp is an OpenAI-shaped upstream that answers with the last user
// message, buffered or streamed in chunks of 4 bytes, and keeps the
// bodies it received.
type echoUp struct {
	mu   sync.Mutex
	seen []string
}

func (e *echoUp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	e.mu.Lock()
	e.seen = append(e.seen, string(body))
	e.mu.Unlock()
	var req struct {
		Stream   bool `json:"stream"`
		Messages []struct {
			Content string `json:"content"`
		} `json:"messages"`
	}
	_ = json.Unmarshal(body, &req)
	text := "echo: " + req.Messages[len(req.Messages)-1].Content
	if !req.Stream {
		w.Header().Set("Content-Type", "application/json")
		b, _ := json.Marshal(map[string]any{"id": "c", "object": "chat.completion", "model": "m",
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": text}}},
			"usage":   map[string]any{"prompt_tokens": 7, "completion_tokens": 5, "total_tokens": 12}})
		w.Write(b)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	for i := 0; i < len(text); i += 4 {
		chunk, _ := json.Marshal(map[string]any{"id": "c", "object": "chat.completion.chunk", "model": "m",
			"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"content": text[i:min(i+4, len(text))]}}}})
		w.Write([]byte("data: " + string(chunk) + "\n\n"))
	}
	w.Write([]byte(`data: {"id":"c","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}` + "\n\n"))
	w.Write([]byte(`data: {"id":"c","object":"chat.completion.chunk","model":"m","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":5,"total_tokens":12}}` + "\n\n"))
	w.Write([]byte("data: [DONE]\n\n"))
}

func (e *echoUp) received() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.seen...)
}

func serveHTTP(t *testing.T, h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

type evalsGW struct {
	base   string
	up     *echoUp
	writer *evals.Writer
	stage  *evals.Stage
	path   string
}

// startEvalsGateway serves model m from an echo upstream through the
// filters stage and the evals stage (file sink in a temp dir, rate 1
// unless evalsYAML says otherwise). Keys: sk-acme (tenant acme), sk-globex
// (tenant globex).
func startEvalsGateway(t *testing.T, evalsYAML, rego string) *evalsGW {
	return startEvalsGatewayFiltering(t, "{pii.email: redact, secret.*: redact}", evalsYAML, rego)
}

// startEvalsGatewayFiltering is startEvalsGateway with the filters'
// input actions.
func startEvalsGatewayFiltering(t *testing.T, input, evalsYAML, rego string) *evalsGW {
	t.Helper()
	return startEvalsGatewayRPM(t, input, evalsYAML, rego, 0)
}

// startEvalsGatewayRPM is startEvalsGatewayFiltering with key acme's RPM
// limit (0 = none) enforced by a limiter.
func startEvalsGatewayRPM(t *testing.T, input, evalsYAML, rego string, acmeRPM int) *evalsGW {
	t.Helper()
	g := &evalsGW{up: &echoUp{}, path: filepath.Join(t.TempDir(), "samples.jsonl")}
	upURL := serveHTTP(t, g.up)
	yml := `
upstreams: [{name: u, kind: openai, base_url: "` + upURL + `/v1"}]
models: [{name: m, deployments: [{upstream: u, model: m}]}]
keys:
  - {id: acme, key: sk-acme, tenant: acme, team: red, rpm: ` + strconv.Itoa(acmeRPM) + `}
  - {id: globex, key: sk-globex, tenant: globex}
metering: {ledger: "off"}
filters:
  enabled: true
  input: ` + input + `
evals:
  enabled: true
  sink: {file: {path: "` + g.path + `"}}
` + evalsYAML
	cfg, err := config.Parse([]byte(yml), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := filterstage.NewScanner(&cfg.Filters)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := filterstage.New(cfg.Filters, sc)
	if err != nil {
		t.Fatal(err)
	}
	scrub, err := evals.NewScrubScanner()
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Evals.Sink.File
	g.writer = evals.NewWriter(evals.WriterOptions{Sink: evals.NewFileSink(c.Path, c.MaxSizeMB, c.MaxBackups), Scrub: scrub,
		QueueSize: cfg.Evals.QueueSize})
	g.stage = evals.NewStage(evals.StageOptions{Config: &cfg.Evals, Writer: g.writer})
	st := gateway.Stages{Filters: fs, Evals: g.stage}
	if cs := cache.New(cache.Options{Config: &cfg.Cache}); cs != nil { // nil unless the yml caches
		t.Cleanup(cs.Close)
		st.Cache = cs
	}
	if rego != "" {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "decision.rego"), []byte(rego), 0o600)
		eng, err := policy.Open(policy.Options{Dir: dir, PollInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(eng.Close)
		st.Policy = eng
	}
	var gw *gateway.Server
	limiter, err := metering.NewLimiter(metering.LimitsOptions{},
		metering.RuleFunc(func(s metering.Subject) metering.Rules { return gw.Rules(s) }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { limiter.Close(context.Background()) })
	st.Limiter = limiter
	gw, err = gateway.New(cfg, gateway.Options{Stages: st, Feedback: g.stage.FeedbackStore()})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go gw.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		gw.Shutdown(ctx)
		g.writer.Close()
	})
	g.base = "http://" + ln.Addr().String()
	return g
}

func client(base, key string) *openai.Client {
	c := openai.DefaultConfig(key)
	c.BaseURL = base + "/v1"
	c.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	return openai.NewClientWithConfig(c)
}

func chat(prompt string) openai.ChatCompletionRequest {
	return openai.ChatCompletionRequest{Model: "m", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: prompt}}}
}

// records closes the writer (draining it) and reads the sink back.
func (g *evalsGW) records(t *testing.T) ([]*evals.Sample, []*evals.Feedback, string) {
	t.Helper()
	if err := g.writer.Close(); err != nil {
		t.Fatal(err)
	}
	var ss []*evals.Sample
	var fs []*evals.Feedback
	st, err := evals.ReadRecords(g.path, func(s *evals.Sample) error { ss = append(ss, s); return nil },
		func(f *evals.Feedback) error { fs = append(fs, f); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if st.Malformed != 0 {
		t.Fatalf("the sink holds malformed lines: %+v", st)
	}
	raw, _ := os.ReadFile(g.path)
	return ss, fs, string(raw)
}

const (
	email  = "jane.doe@example.com"
	secret = "ghp_R4nd0mT0kenV4lu3ForTest1ngOnly00ab12" // a GitHub token's shape
)

// Buffered and streamed exchanges reach the sink with their text, tokens
// and timings; the e-mail and the token the filters redact never do (not
// in the prompt, and not in the answer that echoes the redacted prompt).
func TestE2ESamplesRedactedTextBufferedAndStream(t *testing.T) {
	g := startEvalsGateway(t, "  sample_rate: 1\n", "")
	c := client(g.base, "sk-acme")
	prompt := "mail " + email + " the key " + secret + " please"
	resp, err := c.CreateChatCompletion(context.Background(), chat(prompt))
	if err != nil {
		t.Fatal(err)
	}
	reqID := resp.Header().Get("x-request-id")
	streamed := readStreamText(t, c, chat("stream this text back"))
	for _, b := range g.up.received() {
		if strings.Contains(b, email) || strings.Contains(b, secret) {
			t.Fatalf("the upstream got the unredacted prompt: %s", b)
		}
	}
	ss, _, raw := g.records(t)
	if strings.Contains(raw, email) || strings.Contains(raw, secret) || strings.Contains(raw, "jane.doe") {
		t.Fatalf("a redacted secret or e-mail reached the sink:\n%s", raw)
	}
	if len(ss) != 2 {
		t.Fatalf("%d samples, want 2:\n%s", len(ss), raw)
	}
	b, s := ss[0], ss[1]
	if b.Stream {
		b, s = s, b
	}
	if b.RequestID != reqID || b.Tenant != "acme" || b.Team != "red" || b.Model != "m" || b.Deployment == "" || b.Status != 200 ||
		b.PromptTokens != 7 || b.OutputTokens != 5 || b.FinishReason != "stop" || b.LatencyMs <= 0 || b.SampleRate != 1 {
		t.Fatalf("buffered sample %+v", b)
	}
	// The filters' own placeholders: the sample took the redacted body (the
	// writer's scrubber would have written [pii.email]).
	if !strings.Contains(b.Prompt, "[EMAIL_1]") || strings.Contains(b.Prompt, "[pii.email]") {
		t.Fatalf("prompt %q: want the filters' redaction", b.Prompt)
	}
	if !strings.HasPrefix(b.Prompt, "mail ") || !strings.HasSuffix(b.Prompt, " please") || !strings.HasPrefix(b.Response, "echo: mail ") {
		t.Fatalf("buffered text: prompt %q response %q", b.Prompt, b.Response)
	}
	if b.Findings["pii.email"] != 1 || b.Findings["secret.github_token"] != 1 {
		t.Fatalf("finding counts %v", b.Findings)
	}
	if !s.Stream || s.Response != streamed || s.Response != "echo: stream this text back" || s.TTFTMs <= 0 ||
		s.FinishReason != "stop" || s.OutputTokens != 5 {
		t.Fatalf("stream sample %+v; the client read %q", s, streamed)
	}
}

const sampleRatePolicy = `package tollgate

default decision := {"allow": true}

decision := {"allow": true, "sample_rate": 1} if {
	input.principal.tenant == "globex"
}
`

// The policy's sample_rate overrides the config's rate 0 for one tenant.
func TestE2EPolicySampleRateOverride(t *testing.T) {
	g := startEvalsGateway(t, "  sample_rate: 0\n  min_per_minute: 0\n", sampleRatePolicy)
	for _, key := range []string{"sk-acme", "sk-globex", "sk-acme", "sk-globex", "sk-globex"} {
		if _, err := client(g.base, key).CreateChatCompletion(context.Background(), chat("hello")); err != nil {
			t.Fatal(err)
		}
	}
	ss, _, _ := g.records(t)
	if len(ss) != 3 {
		t.Fatalf("%d samples, want the 3 globex requests", len(ss))
	}
	for _, s := range ss {
		if s.Tenant != "globex" || s.SampleRate != 1 {
			t.Fatalf("sample %+v: only globex is sampled, at the policy's rate", s)
		}
	}
}

func postFeedback(t *testing.T, base, key, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/feedback", bytes.NewBufferString(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// Feedback is stored with the caller's tenant (never the body's), bad
// input is a 400 in OpenAI's shape, and the join attributes it per model.
func TestE2EFeedbackScopedToTenant(t *testing.T) {
	g := startEvalsGateway(t, "  sample_rate: 1\n", "")
	resp, err := client(g.base, "sk-acme").CreateChatCompletion(context.Background(), chat("rate me"))
	if err != nil {
		t.Fatal(err)
	}
	id := resp.Header().Get("x-request-id")
	code, out := postFeedback(t, g.base, "sk-acme", `{"request_id":"`+id+`","score":-1,"label":"wrong","comment":"bad answer","tenant":"globex"}`)
	if code != 200 || out["stored"] != true {
		t.Fatalf("feedback: %d %v", code, out)
	}
	// globex names acme's request id: stored under globex, so it never joins acme's sample.
	if code, _ := postFeedback(t, g.base, "sk-globex", `{"request_id":"`+id+`","score":1}`); code != 200 {
		t.Fatalf("globex feedback: %d", code)
	}
	for _, c := range []struct{ body, param string }{
		{`{"score":1}`, "request_id"},
		{`{"request_id":"x"}`, "score"},
		{`{"request_id":"x","score":"1"}`, "score"},
		{`{"request_id":"x","score":1.5}`, "score"},
		{`{"request_id":"x","score":0,"comment":"` + strings.Repeat("c", 5000) + `"}`, "comment"},
		{`not json`, ""},
	} {
		code, out := postFeedback(t, g.base, "sk-acme", c.body)
		e, _ := out["error"].(map[string]any)
		if code != 400 || e == nil || e["type"] != "invalid_request_error" || (c.param != "" && e["param"] != c.param) {
			t.Errorf("%.60s: %d %v, want 400 invalid_request_error on %q", c.body, code, out, c.param)
		}
	}
	get, _ := http.NewRequest(http.MethodGet, g.base+"/v1/feedback", nil)
	get.Header.Set("Authorization", "Bearer sk-acme")
	if r, err := http.DefaultClient.Do(get); err != nil || r.StatusCode != 405 {
		t.Fatalf("GET /v1/feedback: %v %v, want 405", r, err)
	}
	if code, _ := postFeedback(t, g.base, "sk-nobody", `{"request_id":"x","score":1}`); code != 401 {
		t.Fatalf("an unknown key got %d, want 401", code)
	}
	ss, fs, _ := g.records(t)
	if len(fs) != 2 {
		t.Fatalf("%d feedback records, want 2", len(fs))
	}
	for _, f := range fs {
		if f.Score == -1 && (f.Tenant != "acme" || f.KeyID != "acme" || f.Label != "wrong" || f.Comment != "bad answer") {
			t.Fatalf("acme's feedback %+v: the tenant comes from the key", f)
		}
		if f.Score == 1 && f.Tenant != "globex" {
			t.Fatalf("globex's feedback %+v", f)
		}
	}
	ix := evals.FeedbackIndex{}
	for _, f := range fs {
		ix.Add(f)
	}
	rates := evals.JoinFeedback(ss, ix)
	if m := rates["m"]; m.Samples != 1 || m.Feedback != 1 || m.MeanScore != -1 {
		t.Fatalf("per-model feedback %+v: only acme's own feedback joins acme's sample", rates)
	}
}

// Pseudonymised text comes back to the client restored: the answer the
// sampler sees holds the original e-mail, which the writer's scrubber
// takes out before the sink. A flagged-only secret is scrubbed too.
func TestE2EScrubsWhatFiltersLetThrough(t *testing.T) {
	g := startEvalsGatewayFiltering(t, "{pii.email: pseudonymize, secret.*: flag}", "  sample_rate: 1\n", "")
	resp, err := client(g.base, "sk-acme").CreateChatCompletion(context.Background(), chat("write to "+email+" with "+secret))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(resp.Choices[0].Message.Content, email) {
		t.Fatalf("the client's answer %q lacks the restored e-mail: the premise failed", resp.Choices[0].Message.Content)
	}
	ss, _, raw := g.records(t)
	if len(ss) != 1 || strings.Contains(raw, email) || strings.Contains(raw, secret) {
		t.Fatalf("the sink holds the e-mail or the token:\n%s", raw)
	}
	if !strings.Contains(ss[0].Response, "[pii.email]") || !strings.Contains(ss[0].Prompt, "[secret.") {
		t.Fatalf("sample %q / %q: want the scrubber's markers", ss[0].Prompt, ss[0].Response)
	}
}

// Concurrent buffered and streamed requests from two tenants: every
// sample pairs its own prompt with its own answer (pooled per-request
// state never crosses requests).
func TestE2EConcurrentSamplesKeepTheirOwnText(t *testing.T) {
	g := startEvalsGateway(t, "  sample_rate: 1\n  max_per_minute: 1000\n", "")
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := []string{"sk-acme", "sk-globex"}[i%2]
			prompt := "question number " + strings.Repeat("x", i) + " end"
			req := chat(prompt)
			c := client(g.base, key)
			if i%3 != 0 {
				_, err := c.CreateChatCompletion(context.Background(), req)
				errs <- err
				return
			}
			req.Stream = true
			st, err := c.CreateChatCompletionStream(context.Background(), req)
			if err != nil {
				errs <- err
				return
			}
			defer st.Close()
			for {
				if _, err := st.Recv(); err != nil {
					if !errors.Is(err, io.EOF) {
						errs <- err
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	ss, _, _ := g.records(t)
	if len(ss) != n {
		t.Fatalf("%d samples of %d requests", len(ss), n)
	}
	streams := 0
	for _, s := range ss {
		if s.Response != "echo: "+s.Prompt {
			t.Fatalf("sample %s (%s, stream %v): prompt %q, response %q", s.RequestID, s.Tenant, s.Stream, s.Prompt, s.Response)
		}
		if s.Stream {
			streams++
		}
	}
	if streams != (n+2)/3 {
		t.Fatalf("%d stream samples, want %d", streams, (n+2)/3)
	}
}

// A cache hit is sampled too (the evals stage runs before the cache), and
// says so.
func TestE2ESampleRecordsCacheResult(t *testing.T) {
	g := startEvalsGateway(t, "  sample_rate: 1\ncache: {enabled: true, when: always}\n", "")
	c := client(g.base, "sk-acme")
	for range 2 {
		if _, err := c.CreateChatCompletion(context.Background(), chat("same question")); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(g.up.received()); n != 1 {
		t.Fatalf("the upstream got %d requests: the second should be a cache hit", n)
	}
	ss, _, _ := g.records(t)
	if len(ss) != 2 {
		t.Fatalf("%d samples", len(ss))
	}
	got := map[string]string{}
	for _, s := range ss {
		got[s.Cache] = s.Response
	}
	if got["miss"] != "echo: same question" || got["hit"] != "echo: same question" {
		t.Fatalf("cache results and answers %v, want a miss and a hit with the same answer", got)
	}
}

// The output filters' findings in the answer reach the sample as
// response_findings, for a buffered answer and a stream; the request's
// stay in findings.
func TestE2ESampleCountsResponseFindings(t *testing.T) {
	g := startEvalsGatewayFiltering(t, "{secret.*: flag}\n  output: {secret.*: redact}", "  sample_rate: 1\n", "")
	c := client(g.base, "sk-acme")
	resp, err := c.CreateChatCompletion(context.Background(), chat("repeat "+secret))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(resp.Choices[0].Message.Content, secret) {
		t.Fatalf("the output filter let the token through: %q", resp.Choices[0].Message.Content)
	}
	streamed := readStreamText(t, c, chat("stream "+secret))
	if strings.Contains(streamed, secret) {
		t.Fatalf("the stream filter let the token through: %q", streamed)
	}
	ss, _, raw := g.records(t)
	if len(ss) != 2 {
		t.Fatalf("%d samples:\n%s", len(ss), raw)
	}
	for _, s := range ss {
		if s.Findings["secret.github_token"] != 1 || s.ResponseFindings["secret.github_token"] != 1 {
			t.Errorf("stream=%v: findings %v response_findings %v, want one token in each", s.Stream, s.Findings, s.ResponseFindings)
		}
	}
}

// Feedback shares the key's RPM with its model calls: over the limit it
// is a 429 in OpenAI's shape, with Retry-After, and nothing is stored.
func TestE2EFeedbackUnderKeyRPM(t *testing.T) {
	g := startEvalsGatewayRPM(t, "{pii.email: redact}", "  sample_rate: 1\n", "", 3)
	resp, err := client(g.base, "sk-acme").CreateChatCompletion(context.Background(), chat("rate me"))
	if err != nil {
		t.Fatal(err)
	}
	id := resp.Header().Get("x-request-id")
	for i := range 2 { // 1 model call + 2 feedback = RPM 3
		if code, out := postFeedback(t, g.base, "sk-acme", `{"request_id":"`+id+`","score":1}`); code != 200 {
			t.Fatalf("feedback %d: %d %v", i+1, code, out)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, g.base+"/v1/feedback", strings.NewReader(`{"request_id":"`+id+`","score":-1}`))
	req.Header.Set("Authorization", "Bearer sk-acme")
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Error struct{ Type, Code, Message string }
	}
	json.NewDecoder(r.Body).Decode(&out)
	r.Body.Close()
	if r.StatusCode != 429 || out.Error.Type != "rate_limit_error" || out.Error.Code != "rate_limit_exceeded" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("4th call in a minute: %d %+v retry-after %q; want 429 rate_limit_exceeded", r.StatusCode, out.Error, r.Header.Get("Retry-After"))
	}
	// the model call is refused as well: one window for both
	if _, err := client(g.base, "sk-acme").CreateChatCompletion(context.Background(), chat("again")); err == nil {
		t.Fatal("a model call passed the key's spent RPM")
	}
	// another tenant's key is not limited
	if code, _ := postFeedback(t, g.base, "sk-globex", `{"request_id":"x","score":1}`); code != 200 {
		t.Fatalf("globex: %d", code)
	}
	_, fs, _ := g.records(t)
	if len(fs) != 3 {
		t.Fatalf("%d feedback records, want 3 (the refused one is not stored)", len(fs))
	}
}

// readStreamText streams req and returns the text the client read.
func readStreamText(t *testing.T, c *openai.Client, req openai.ChatCompletionRequest) string {
	t.Helper()
	req.Stream = true
	st, err := c.CreateChatCompletionStream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var text strings.Builder
	for {
		ch, err := st.Recv()
		if errors.Is(err, io.EOF) {
			return text.String()
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(ch.Choices) > 0 {
			text.WriteString(ch.Choices[0].Delta.Content)
		}
	}
}
