package bias

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Asker sends one prompt to the model under test and returns its answer.
type Asker interface {
	Ask(ctx context.Context, prompt string) (string, error)
}

// OpenAIAsker asks a model through an OpenAI-compatible endpoint (the
// gateway) with go-openai, retrying errors that may pass.
type OpenAIAsker struct {
	client    *openai.Client
	model     string
	maxTokens int
	attempts  int
	backoff   time.Duration
}

// NewOpenAIAsker returns an asker for model behind baseURL (the gateway's
// base, with or without /v1). Answers are deterministic where the model
// allows (temperature 0) and at most maxTokens long.
func NewOpenAIAsker(baseURL, key, model string, maxTokens int) *OpenAIAsker {
	base := strings.TrimSuffix(strings.TrimRight(baseURL, "/"), "/v1")
	cfg := openai.DefaultConfig(key)
	cfg.BaseURL = base + "/v1"
	cfg.HTTPClient = &http.Client{Timeout: 2 * time.Minute, Transport: noStore{http.DefaultTransport}}
	return &OpenAIAsker{client: openai.NewClientWithConfig(cfg), model: model, maxTokens: maxTokens, attempts: 3, backoff: 200 * time.Millisecond}
}

// noStore asks the gateway's response cache neither to answer nor to keep
// a probe: the probes measure the model as it answers now.
type noStore struct{ base http.RoundTripper }

func (n noStore) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("x-tollgate-cache-control", "no-store")
	return n.base.RoundTrip(r)
}

// NewOpenAIAskerClient is NewOpenAIAsker with a client of the caller's.
func NewOpenAIAskerClient(c *openai.Client, model string, maxTokens int) *OpenAIAsker {
	return &OpenAIAsker{client: c, model: model, maxTokens: maxTokens, attempts: 3, backoff: 200 * time.Millisecond}
}

// SetRetry sets how many attempts a probe gets and the first backoff
// (doubled after each failure).
func (a *OpenAIAsker) SetRetry(attempts int, backoff time.Duration) {
	a.attempts, a.backoff = max(attempts, 1), backoff
}

// Ask implements Asker.
func (a *OpenAIAsker) Ask(ctx context.Context, prompt string) (string, error) {
	var err error
	wait := a.backoff
	for try := 0; try < a.attempts; try++ {
		if try > 0 {
			select {
			case <-ctx.Done():
				return "", ctx.Err()
			case <-time.After(wait):
			}
			wait *= 2
		}
		var resp openai.ChatCompletionResponse
		resp, err = a.client.CreateChatCompletion(ctx, openai.ChatCompletionRequest{
			Model:       a.model,
			Messages:    []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: prompt}},
			MaxTokens:   a.maxTokens,
			Temperature: 0,
		})
		if err == nil {
			if len(resp.Choices) == 0 {
				err = errors.New("answer has no choices")
				continue
			}
			return resp.Choices[0].Message.Content, nil
		}
		if permanent(err) || ctx.Err() != nil {
			break
		}
	}
	return "", err
}

// permanent reports errors a retry cannot fix: a bad request, a bad key, an
// unknown model.
func permanent(err error) bool {
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.HTTPStatusCode {
		case 400, 401, 403, 404, 422:
			return true
		}
	}
	return false
}

// answer is one probe's outcome.
type answer struct {
	text string
	err  error
}

// askAll asks every prompt with at most concurrency requests in flight and
// returns the answers in prompt order.
func askAll(ctx context.Context, a Asker, prompts []string, concurrency int) []answer {
	out := make([]answer, len(prompts))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < max(concurrency, 1); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				text, err := a.Ask(ctx, prompts[i])
				if err == nil && ctx.Err() != nil {
					err = ctx.Err()
				}
				out[i] = answer{text: text, err: err}
			}
		}()
	}
	for i := range prompts {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return out
}

// errText is an error's message for the report, bounded.
func errText(err error) string {
	s := fmt.Sprint(err)
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
