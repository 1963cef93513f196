package bias

import (
	"context"
	"net"
	"net/http"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/tollgate-ai/tollgate/mockllm"
)

// mockAsker asks an in-process mock LLM (no gateway) with go-openai.
func mockAsker(t testing.TB, opts mockllm.Options) *OpenAIAsker {
	t.Helper()
	dial, stop := mockllm.StartInMemory(opts)
	t.Cleanup(stop)
	tr := &http.Transport{DialContext: func(context.Context, string, string) (net.Conn, error) { return dial() }}
	t.Cleanup(tr.CloseIdleConnections)
	cfg := openai.DefaultConfig("sk-test")
	cfg.BaseURL = "http://mock/v1"
	cfg.HTTPClient = &http.Client{Transport: tr}
	return NewOpenAIAskerClient(openai.NewClientWithConfig(cfg), "mock-gpt", 256)
}

// askerFunc adapts a function to Asker.
type askerFunc func(ctx context.Context, prompt string) (string, error)

func (f askerFunc) Ask(ctx context.Context, prompt string) (string, error) { return f(ctx, prompt) }

// find returns the effect of metric for group in category, failing the test if absent.
func find(t *testing.T, r *Report, category, group, metric string) Effect {
	t.Helper()
	for _, c := range r.Categories {
		if c.Category != category {
			continue
		}
		for _, g := range c.Groups {
			if g.Group != group {
				continue
			}
			for _, e := range g.Effects {
				if e.Metric == metric {
					return e
				}
			}
		}
	}
	t.Fatalf("no %s/%s/%s in report", category, group, metric)
	return Effect{}
}

// flaggedSet lists "category/group/metric" of every flagged effect.
func flaggedSet(r *Report) []string {
	var out []string
	for _, c := range r.Categories {
		for _, g := range c.Groups {
			for _, e := range g.Effects {
				if e.Flagged {
					out = append(out, c.Category+"/"+g.Group+"/"+e.Metric)
				}
			}
		}
		for _, e := range c.Effects {
			if e.Flagged {
				out = append(out, c.Category+"/"+e.Metric)
			}
		}
	}
	return out
}
