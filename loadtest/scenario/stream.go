package scenario

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Streams is a bounded run of streaming chat completions read event by
// event with go-openai (a real client; k6 cannot read SSE events one by
// one): time to first token, the gaps between tokens and each stream's
// token rate.
type Streams struct {
	BaseURL   string        // e.g. http://127.0.0.1:8080/v1
	Key       string        // bearer; empty = none
	Model     string        // default mock-gpt
	Prompt    string        // default a short question
	MaxTokens int           // default 32
	N         int           // streams in all (bounded to 100,000)
	Duration  time.Duration // and at most this long (default 1 minute, bounded to 10)
	Conc      int           // streams open at once (default 1: sequential, added latency rather than throughput)
}

// StreamStats are the figures of a Streams run. Tokens are counted as the
// content chunks received (the upstream's usage when it reports one).
type StreamStats struct {
	Streams, Errors int
	FirstErr        string
	TTFB            []time.Duration // request sent → first event (any), sorted
	TTFT            []time.Duration // request sent → first content token, sorted
	ITL             []time.Duration // gaps between content chunks, sorted
	TokensPerSec    []float64       // per stream: (tokens-1) / (last token - first token), sorted
	Tokens          int
	Elapsed         time.Duration
}

// maxITLSamples bounds the inter-token gaps kept.
const maxITLSamples = 2_000_000

// RunStreams runs s and returns its figures; a failed stream counts in
// Errors (the first error's text is kept), never silently.
func RunStreams(ctx context.Context, s Streams) (*StreamStats, error) {
	if s.BaseURL == "" {
		return nil, errors.New("streams: no BaseURL")
	}
	s.N = min(max(s.N, 1), 100_000)
	if s.Duration <= 0 {
		s.Duration = time.Minute
	}
	s.Duration = min(s.Duration, 10*time.Minute)
	s.Conc = max(s.Conc, 1)
	if s.Model == "" {
		s.Model = "mock-gpt"
	}
	if s.Prompt == "" {
		s.Prompt = "Explain how a token bucket rate limiter works."
	}
	if s.MaxTokens <= 0 {
		s.MaxTokens = 32
	}
	cfg := openai.DefaultConfig(s.Key)
	cfg.BaseURL = s.BaseURL
	cfg.HTTPClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: s.Conc}}
	client := openai.NewClientWithConfig(cfg)
	ctx, cancel := context.WithTimeout(ctx, s.Duration)
	defer cancel()

	var mu sync.Mutex
	out := &StreamStats{}
	var wg sync.WaitGroup
	next := make(chan struct{})
	start := time.Now()
	for range s.Conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				one, err := streamOnce(ctx, client, s)
				mu.Lock()
				out.Streams++
				if err != nil {
					out.Errors++
					if out.FirstErr == "" {
						out.FirstErr = err.Error()
					}
				} else {
					out.add(one)
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for range s.N {
		select {
		case next <- struct{}{}:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	out.Elapsed = time.Since(start)
	slices.Sort(out.TTFB)
	slices.Sort(out.TTFT)
	slices.Sort(out.ITL)
	slices.Sort(out.TokensPerSec)
	return out, nil
}

type oneStream struct {
	ttfb, ttft time.Duration
	gaps       []time.Duration
	tokens     int
	rate       float64
}

func (st *StreamStats) add(o oneStream) {
	st.TTFB = append(st.TTFB, o.ttfb)
	st.TTFT = append(st.TTFT, o.ttft)
	if room := maxITLSamples - len(st.ITL); room > 0 {
		st.ITL = append(st.ITL, o.gaps[:min(len(o.gaps), room)]...)
	}
	st.Tokens += o.tokens
	if o.rate > 0 {
		st.TokensPerSec = append(st.TokensPerSec, o.rate)
	}
}

func streamOnce(ctx context.Context, c *openai.Client, s Streams) (oneStream, error) {
	var o oneStream
	sent := time.Now()
	st, err := c.CreateChatCompletionStream(ctx, openai.ChatCompletionRequest{
		Model: s.Model, MaxTokens: s.MaxTokens, Stream: true,
		Messages:      []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: s.Prompt}},
		StreamOptions: &openai.StreamOptions{IncludeUsage: true},
	})
	if err != nil {
		return o, err
	}
	defer st.Close()
	var first, last time.Time
	usage := 0
	for {
		chunk, err := st.Recv()
		now := time.Now()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return o, err
		}
		if o.ttfb == 0 {
			o.ttfb = now.Sub(sent)
		}
		if chunk.Usage != nil {
			usage = chunk.Usage.CompletionTokens
		}
		if len(chunk.Choices) == 0 || chunk.Choices[0].Delta.Content == "" {
			continue
		}
		if first.IsZero() {
			first = now
			o.ttft = now.Sub(sent)
		} else {
			o.gaps = append(o.gaps, now.Sub(last))
		}
		last = now
		o.tokens++
	}
	if first.IsZero() {
		return o, fmt.Errorf("stream ended without a content token")
	}
	if usage > 0 {
		o.tokens = usage
	}
	if span := last.Sub(first); span > 0 && o.tokens > 1 {
		o.rate = float64(o.tokens-1) / span.Seconds()
	}
	return o, nil
}

// Pct is the q-quantile of sorted durations.
func Pct(sorted []time.Duration, q float64) time.Duration { return quantile(sorted, q) }

// PctF is the q-quantile of sorted floats.
func PctF(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(max(int(q*float64(len(sorted)-1)), 0), len(sorted)-1)]
}

// Summary is one line: streams, errors and the p50/p90/p99 of each figure.
func (st *StreamStats) Summary() string {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	line := fmt.Sprintf("n=%d errors=%d ttfb_p50_ms=%.3f ttft_p50_ms=%.3f ttft_p90_ms=%.3f ttft_p99_ms=%.3f itl_p50_ms=%.3f itl_p90_ms=%.3f itl_p99_ms=%.3f tokens_per_s_p50=%.0f tokens_per_s_p10=%.0f tokens_per_s_p1=%.0f",
		st.Streams, st.Errors, ms(Pct(st.TTFB, .5)), ms(Pct(st.TTFT, .5)), ms(Pct(st.TTFT, .9)), ms(Pct(st.TTFT, .99)),
		ms(Pct(st.ITL, .5)), ms(Pct(st.ITL, .9)), ms(Pct(st.ITL, .99)),
		PctF(st.TokensPerSec, .5), PctF(st.TokensPerSec, .1), PctF(st.TokensPerSec, .01))
	if st.FirstErr != "" {
		line += fmt.Sprintf(" first_error=%q", st.FirstErr)
	}
	return line
}
