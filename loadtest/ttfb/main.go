// Command ttfb measures streaming time to first byte: it sends sequential
// streaming chat requests and reports percentiles of the time until the
// first SSE event arrives. Sequential on purpose: it measures added
// latency, not throughput.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:8080/v1/chat/completions", "chat completions URL")
	n := flag.Int("n", 300, "requests (bounded)")
	model := flag.String("model", "mock-gpt", "model")
	flag.Parse()
	if *n > 100000 {
		*n = 100000
	}
	body := `{"model":"` + *model + `","stream":true,"max_tokens":8,"messages":[{"role":"user","content":"hello"}]}`
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	var ds []time.Duration
	for i := 0; i < *n; i++ {
		req, _ := http.NewRequest(http.MethodPost, *url, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			fmt.Fprintln(os.Stderr, "ttfb:", err)
			os.Exit(1)
		}
		br := bufio.NewReader(resp.Body)
		if _, err := br.ReadString('\n'); err != nil {
			fmt.Fprintln(os.Stderr, "ttfb: no first event:", err)
			os.Exit(1)
		}
		ds = append(ds, time.Since(start))
		for {
			if _, err := br.ReadString('\n'); err != nil {
				break
			}
		}
		resp.Body.Close()
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	pct := func(p float64) float64 { return float64(ds[int(p*float64(len(ds)-1))].Microseconds()) / 1000 }
	fmt.Printf("n=%d ttfb_p50_ms=%.3f ttfb_p90_ms=%.3f ttfb_p99_ms=%.3f\n", len(ds), pct(0.5), pct(0.9), pct(0.99))
}
