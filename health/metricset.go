package health

import (
	"strings"
	"sync"

	"github.com/VictoriaMetrics/metrics"
)

// metricOwner creates metrics in the registry's Set on first use and remembers their names, so a model or
// deployment removed by Reload can unregister exactly its own series.
type metricOwner struct {
	set   *metrics.Set
	mu    sync.Mutex
	names []string
}

func (o *metricOwner) counter(name string) *metrics.Counter {
	o.names = append(o.names, name)
	return o.set.NewCounter(name)
}

func (o *metricOwner) floatCounter(name string) *metrics.FloatCounter {
	o.names = append(o.names, name)
	return o.set.NewFloatCounter(name)
}

func (o *metricOwner) histogram(name string, buckets []float64) *metrics.PrometheusHistogram {
	o.names = append(o.names, name)
	return o.set.NewPrometheusHistogramExt(name, buckets)
}

func (o *metricOwner) gauge(name string, f func() float64) {
	o.names = append(o.names, name)
	o.set.NewGauge(name, f)
}

func (o *metricOwner) unregisterAll() {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, n := range o.names {
		o.set.UnregisterMetric(n)
	}
	o.names = nil
	// A handle the gateway still holds may keep recording; its late-created series go to a detached set so
	// they neither leak into /metrics nor collide with a re-added name.
	o.set = metrics.NewSet()
}

// series renders name{k1="v1",k2="v2"} with escaped values; called only when a metric is created.
func series(name string, kv ...string) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('{')
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(kv[i])
		b.WriteString(`="`)
		b.WriteString(escapeLabelValue(kv[i+1]))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

// Histograms per deployment, with buckets that fit LLM traffic (milliseconds to minutes).
const (
	histDuration = iota
	histTTFT
	histInterToken
	histTokensPerSecond
	numHists
)

var histDefs = [numHists]struct {
	name    string
	buckets []float64
}{
	// Roughly doubling steps: enough resolution for quantiles, few enough lines to keep a 50-model scrape fast.
	histDuration:        {"tollgate_request_duration_seconds", []float64{.025, .05, .1, .25, .5, 1, 2.5, 5, 10, 20, 40, 80, 160, 320}},
	histTTFT:            {"tollgate_upstream_ttft_seconds", []float64{.025, .05, .1, .2, .4, .75, 1.5, 3, 6, 12, 30}},
	histInterToken:      {"tollgate_inter_token_latency_seconds", []float64{.0025, .005, .01, .02, .04, .08, .16, .32, .64}},
	histTokensPerSecond: {"tollgate_output_tokens_per_second", []float64{5, 10, 20, 40, 80, 160, 320, 640, 1280}},
}
