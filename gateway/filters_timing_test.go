package gateway_test

import (
	"bufio"
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/filters/filterstage"
	"github.com/tollgate-ai/tollgate/gateway"
)

// BenchmarkFiltersStreamTTFT measures, through the gateway, what the
// filters add to a stream: the time to the first text byte and the mean
// and longest gap between text events, with the upstream sending 4 bytes
// (a token) every millisecond. off: no filters stage; flag: findings only
// counted (text flows at once); redact: an output kind redacted (text held
// back by the window, 256 bytes with the default detectors).
func BenchmarkFiltersStreamTTFT(b *testing.B) {
	for _, c := range []struct{ name, filters string }{
		{"off", ""},
		{"flag", "filters: {enabled: true}\n"},
		{"redact", "filters: {enabled: true, output: {secret.*: redact}}\n"},
	} {
		b.Run(c.name, func(b *testing.B) {
			upURL, up := startEcho(b, 4)
			up.pace = time.Millisecond
			answer := strings.Repeat("Tokens arrive one by one from the model. ", 20) // 820 bytes
			up.fixed.Store(&answer)
			cfg := parseConfig(b, `
upstreams: [{name: u, kind: openai, base_url: "{{U}}"}]
models: [{name: m, deployments: [{upstream: u, model: m}]}]
`+c.filters, map[string]string{"U": upURL})
			var st gateway.Stages
			if cfg.Filters.Enabled {
				sc, err := filterstage.NewScanner(&cfg.Filters)
				if err != nil {
					b.Fatal(err)
				}
				stage, err := filterstage.New(cfg.Filters, sc)
				if err != nil {
					b.Fatal(err)
				}
				st.Filters = stage
			}
			gw, err := gateway.New(cfg, gateway.Options{Stages: st})
			if err != nil {
				b.Fatal(err)
			}
			base := serveGateway(b, gw)
			var ttft, gaps, maxGap time.Duration
			var ngaps int
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				first, sum, longest, n, text := streamTiming(b, base)
				if text != answer {
					b.Fatalf("streamed %q", text)
				}
				ttft, gaps, ngaps, maxGap = ttft+first, gaps+sum, ngaps+n, max(maxGap, longest)
			}
			b.ReportMetric(float64(ttft.Microseconds())/float64(b.N)/1000, "ttft-ms")
			b.ReportMetric(float64(gaps.Microseconds())/float64(max(ngaps, 1)), "gap-µs")
			b.ReportMetric(float64(maxGap.Microseconds())/1000, "maxgap-ms")
		})
	}
}

// streamTiming streams one request and times its text events.
func streamTiming(b *testing.B, base string) (first, gaps, longest time.Duration, n int, text string) {
	start := time.Now()
	resp, err := http.Post(base+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"model":"m","stream":true,"messages":[{"role":"user","content":"go"}]}`))
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var sb strings.Builder
	var last time.Time
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Bytes()
		i := bytes.Index(line, []byte(`"content":"`))
		if i < 0 || bytes.HasPrefix(line[i+11:], []byte(`"`)) {
			continue
		}
		now := time.Now()
		if last.IsZero() {
			first = now.Sub(start)
		} else {
			gap := now.Sub(last)
			gaps, n, longest = gaps+gap, n+1, max(longest, gap)
		}
		last = now
		s := line[i+11:]
		sb.Write(s[:bytes.IndexByte(s, '"')])
	}
	return first, gaps, longest, n, sb.String()
}
