// Command ttfb measures streaming latency as a client feels it: it opens
// streaming chat completions with go-openai, reads them event by event and
// reports percentiles of the time to first token (TTFT), the gaps between
// tokens (inter-token latency) and each stream's tokens per second.
// Sequential by default (-conc 1): it measures added latency, not
// throughput. Bounded by -n and -duration.
//
//	ttfb -url http://127.0.0.1:8080/v1 -n 300
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/tollgate-ai/tollgate/loadtest/scenario"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:8080/v1", "the API's base URL (a trailing /chat/completions is dropped)")
	n := flag.Int("n", 300, "streams (at most 100,000)")
	duration := flag.Duration("duration", time.Minute, "and at most this long (at most 10m)")
	conc := flag.Int("conc", 1, "streams open at once")
	model := flag.String("model", "mock-gpt", "model")
	maxTokens := flag.Int("max-tokens", 32, "max_tokens of each request")
	key := flag.String("key", os.Getenv("TG_KEY"), "bearer key (env TG_KEY); empty = none")
	flag.Parse()
	st, err := scenario.RunStreams(context.Background(), scenario.Streams{
		BaseURL: strings.TrimSuffix(*url, "/chat/completions"), Key: *key, Model: *model,
		MaxTokens: *maxTokens, N: *n, Duration: *duration, Conc: *conc,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "ttfb:", err)
		os.Exit(2)
	}
	fmt.Println(st.Summary())
	if st.Errors > 0 {
		os.Exit(1)
	}
}
