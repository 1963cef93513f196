package gateway_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/tollgate-ai/tollgate/metering/tokenizer"
	"github.com/tollgate-ai/tollgate/mockllm"
)

// meteredGateway serves yml with the metering stages on (in-process
// limiter, embedded ledger in a temp dir).
func meteredGateway(t *testing.T, yml string, vars map[string]string) (string, *metering.Ledger) {
	t.Helper()
	tokens, err := tokenizer.New(tokenizer.Options{DefaultEncoding: tokenizer.O200KBase})
	if err != nil {
		t.Fatal(err)
	}
	ledger, err := metering.OpenLedger(metering.LedgerOptions{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ledger.Close(context.Background()) })
	var gw *gateway.Server
	limiter, err := metering.NewLimiter(metering.LimitsOptions{},
		metering.RuleFunc(func(s metering.Subject) metering.Rules { return gw.Rules(s) }))
	if err != nil {
		t.Fatal(err)
	}
	cfg := parseConfig(t, yml, vars)
	gw, err = gateway.New(cfg, gateway.Options{Stages: gateway.Stages{Tokens: tokens, Limiter: limiter, Ledger: ledger}})
	if err != nil {
		t.Fatal(err)
	}
	return serveGateway(t, gw) + "/v1", ledger
}

// usageBy waits until the ledger holds want requests for the tag value and
// returns their totals.
func usageBy(t *testing.T, l *metering.Ledger, tag string, want int64) metering.Totals {
	t.Helper()
	var got metering.Totals
	waitFor(t, "ledger records for "+tag, func() bool {
		rows, err := l.Query(context.Background(), metering.UsageQuery{GroupBy: []string{"tag:case"},
			From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.Values[0] == tag {
				got = r.Totals
			}
		}
		return got.Requests == want
	})
	return got
}

func taggedClient(base, tag string) *openai.Client {
	c := openai.DefaultConfig("sk-m")
	c.BaseURL = base
	c.HTTPClient = &http.Client{Transport: tagTransport{tag}}
	return openai.NewClientWithConfig(c)
}

type tagTransport struct{ tag string }

func (tt tagTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r.Header.Set("X-Tollgate-Tags", "case="+tt.tag)
	return http.DefaultTransport.RoundTrip(r)
}

const meteredConfig = `
upstreams:
  - {name: mock, kind: openai, base_url: "{{MOCK}}"}
  - {name: mute, kind: openai, base_url: "{{MOCK}}", headers: {x-mock-no-usage: "1"}}
models:
  - {name: mock-gpt, deployments: [{upstream: mock}]}
  - {name: mute-gpt, deployments: [{upstream: mute, model: mock-gpt}]}
keys:
  - {id: k-m, key: sk-m, tenant: acme}
`

func drain(t *testing.T, st *openai.ChatCompletionStream) (usageSeen bool, text string) {
	t.Helper()
	var b strings.Builder
	for {
		ch, err := st.Recv()
		if errors.Is(err, io.EOF) {
			return usageSeen, b.String()
		}
		if err != nil {
			t.Fatal(err)
		}
		if ch.Usage != nil {
			usageSeen = true
		}
		for _, c := range ch.Choices {
			b.WriteString(c.Delta.Content)
		}
	}
}

func TestStreamBilledFromUpstreamUsageHiddenFromClient(t *testing.T) {
	mockURL, _ := startMock(t, mockllm.Options{})
	base, ledger := meteredGateway(t, meteredConfig, map[string]string{"MOCK": mockURL})
	ctx := context.Background()
	ref, err := taggedClient(base, "ref").CreateChatCompletion(ctx, chatReq("mock-gpt", "bill me exactly"))
	if err != nil {
		t.Fatal(err)
	}
	req := chatReq("mock-gpt", "bill me exactly")
	req.Stream = true
	st, err := taggedClient(base, "stream").CreateChatCompletionStream(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	usageSeen, _ := drain(t, st)
	st.Close()
	if usageSeen {
		t.Fatal("the client did not ask for usage but got the usage chunk")
	}
	got := usageBy(t, ledger, "stream", 1)
	if got.PromptTokens != int64(ref.Usage.PromptTokens) || got.CompletionTokens != int64(ref.Usage.CompletionTokens) || got.Flagged != 0 {
		t.Fatalf("stream billed %+v, upstream usage %+v", got, ref.Usage)
	}
}

func TestNoUpstreamUsageCountedByGateway(t *testing.T) {
	mockURL, _ := startMock(t, mockllm.Options{})
	base, ledger := meteredGateway(t, meteredConfig, map[string]string{"MOCK": mockURL})
	ctx := context.Background()
	prompt := "count what you relay, please"
	ref, err := taggedClient(base, "ref").CreateChatCompletion(ctx, chatReq("mock-gpt", prompt))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := taggedClient(base, "mute").CreateChatCompletion(ctx, chatReq("mute-gpt", prompt)); err != nil {
		t.Fatal(err)
	}
	req := chatReq("mute-gpt", prompt)
	req.Stream = true
	st, err := taggedClient(base, "mute").CreateChatCompletionStream(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	drain(t, st)
	st.Close()
	got := usageBy(t, ledger, "mute", 2)
	// The mock's words are one token each and it counts prompts with
	// OpenAI's rules, so our own counts must match its usage exactly.
	if got.CompletionTokens != 2*int64(ref.Usage.CompletionTokens) || got.PromptTokens != 2*int64(ref.Usage.PromptTokens) {
		t.Fatalf("gateway counted %+v, upstream reported %+v per request", got, ref.Usage)
	}
	if got.Flagged != 2 {
		t.Fatalf("estimated records must be flagged: %+v", got)
	}
}

func TestRateLimitAndBudget(t *testing.T) {
	mockURL, _ := startMock(t, mockllm.Options{})
	base, _ := meteredGateway(t, `
upstreams: [{name: mock, kind: openai, base_url: "{{MOCK}}"}]
models: [{name: mock-gpt, deployments: [{upstream: mock}]}]
keys:
  - {id: k-rpm, key: sk-rpm, rpm: 2}
  - {id: k-budget, key: sk-budget, budget: {total_usd: 0.0001}}
`, map[string]string{"MOCK": mockURL})
	ctx := context.Background()
	c := newClient(base, "sk-rpm")
	for i := 0; i < 2; i++ {
		resp, err := c.CreateChatCompletion(ctx, chatReq("mock-gpt", "x"))
		if err != nil {
			t.Fatal(err)
		}
		if resp.Header().Get("X-Ratelimit-Limit-Requests") != "2" {
			t.Fatalf("x-ratelimit headers: %v", resp.Header())
		}
	}
	_, err := c.CreateChatCompletion(ctx, chatReq("mock-gpt", "x"))
	apiErr(t, err, 429, "rate_limit_exceeded")

	// mock-gpt costs $1/1M in, $2/1M out: 4096 worst-case output tokens
	// alone exceed $0.0001.
	status, h, body := rawPost(t, base+"/chat/completions", "sk-budget", `{"model":"mock-gpt","messages":[{"role":"user","content":"x"}]}`)
	if status != 429 || !strings.Contains(body, "budget_exceeded") {
		t.Fatalf("budget: %d %s", status, body)
	}
	_ = h
	// A small max_tokens fits the budget.
	status, _, body = rawPost(t, base+"/chat/completions", "sk-budget", `{"model":"mock-gpt","max_tokens":5,"messages":[{"role":"user","content":"x"}]}`)
	if status != 200 {
		t.Fatalf("small request within budget: %d %s", status, body)
	}
}

// TestStreamUsageOffForUpstreamsThatRejectIt: with stream_usage: off the
// client's body goes upstream unedited, and the gateway counts the stream.
func TestStreamUsageOffForUpstreamsThatRejectIt(t *testing.T) {
	url, sw := startSwitchable(t)
	base, ledger := meteredGateway(t, `
upstreams: [{name: strict, kind: openai, base_url: "{{U}}", stream_usage: "off"}]
models: [{name: mock-gpt, deployments: [{upstream: strict}]}]
keys: [{id: k-m, key: sk-m, tenant: acme}]
`, map[string]string{"U": url})
	req := chatReq("mock-gpt", "no stream options please")
	req.Stream = true
	st, err := taggedClient(base, "off").CreateChatCompletionStream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	drain(t, st)
	st.Close()
	if b := string(sw.lastReq.Load().body); strings.Contains(b, "stream_options") {
		t.Fatalf("stream_options sent to an upstream with stream_usage off: %s", b)
	}
	got := usageBy(t, ledger, "off", 1)
	if got.CompletionTokens == 0 || got.Flagged != 1 {
		t.Fatalf("stream not counted by the gateway: %+v", got)
	}
}
