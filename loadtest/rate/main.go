// Command rate sends requests at a fixed rate (an open loop), so targets
// of different speed are compared at the same offered load: the CPU a
// proxy spends per request then reflects its own work, not how often its
// peers (client, upstream) sleep and must be woken, which a closed loop
// (wrk) changes with each target's throughput. Latency is measured from
// each request's scheduled time, so a stalled target cannot hide its queue
// (no coordinated omission). It prints the same RESULT line as
// loadtest/chat.lua. Bounded: at most 100,000 requests/s and 10 minutes.
package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

const chatBody = `{"model":"mock-gpt","max_tokens":16,"messages":[{"role":"user","content":"Summarise the benefits of connection pooling in two sentences."}]}`

func main() {
	url := flag.String("url", "http://127.0.0.1:8080/v1/chat/completions", "URL to POST to")
	rate := flag.Int("rate", 2000, "requests per second")
	duration := flag.Duration("duration", 10*time.Second, "how long to send")
	conns := flag.Int("conns", 50, "connections (and concurrent requests) at most")
	key := flag.String("key", os.Getenv("TG_KEY"), "bearer key (env TG_KEY); empty = none")
	flag.Parse()
	*rate = min(max(*rate, 1), 100_000)
	*duration = min(*duration, 10*time.Minute)

	client := &fasthttp.Client{MaxConnsPerHost: *conns, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	total := int(int64(*rate) * int64(*duration) / int64(time.Second))
	lat := make([]time.Duration, total)
	var errs, missed atomic.Int64
	due := make(chan int, *conns) // request numbers whose time has come
	var wg sync.WaitGroup
	start := time.Now()
	interval := time.Second / time.Duration(*rate)
	for range *conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			for i := range due {
				req.Reset()
				req.SetRequestURI(*url)
				req.Header.SetMethod(fasthttp.MethodPost)
				req.Header.SetContentType("application/json")
				if *key != "" {
					req.Header.Set("Authorization", "Bearer "+*key)
				}
				req.SetBodyString(chatBody)
				if err := client.Do(req, resp); err != nil || resp.StatusCode() != fasthttp.StatusOK {
					errs.Add(1)
				}
				lat[i] = time.Since(start.Add(time.Duration(i) * interval))
			}
		}()
	}
	for i := range total {
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		select {
		case due <- i:
		default:
			// Every connection is busy: the target is saturated at this
			// rate. The request counts as an error, never as silently sent.
			missed.Add(1)
			lat[i] = -1
		}
	}
	close(due)
	wg.Wait()
	elapsed := time.Since(start)
	done := slices.DeleteFunc(lat, func(d time.Duration) bool { return d < 0 })
	slices.Sort(done)
	pct := func(p int) float64 {
		if len(done) == 0 {
			return 0
		}
		return float64(done[min(len(done)*p/100, len(done)-1)].Microseconds()) / 1000
	}
	fmt.Printf("RESULT requests=%d duration_us=%d errors=%d p50_ms=%.3f p99_ms=%.3f missed=%d\n",
		len(done), elapsed.Microseconds(), errs.Load()+missed.Load(), pct(50), pct(99), missed.Load())
}
