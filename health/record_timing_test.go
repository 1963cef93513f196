package health

import (
	"bytes"
	"fmt"
	"io"
	"syscall"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"
)

func benchRegistry(b *testing.B, models int) *Registry {
	b.Helper()
	opts := Options{Tenants: []string{"acme", "globex", "initech"}, Logger: quietLogger()}
	for i := 0; i < models; i++ {
		opts.Models = append(opts.Models, ModelSpec{Name: fmt.Sprintf("model-%02d", i), Deployments: []string{"primary", "backup"}})
	}
	r, err := newRegistry(opts, time.Now)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(r.Close)
	r.coarseNow = true // as in production (New): the evaluation loop keeps the window epoch current
	return r
}

func benchRecord(r *Registry, model string) Record {
	m := r.Model(model)
	return Record{Model: m, Deployment: m.Deployment("primary"), Tenant: "acme", Status: 200,
		Duration: 1500 * time.Millisecond, TTFT: 200 * time.Millisecond, InterTokenMean: 12 * time.Millisecond,
		PromptTokens: 120, CompletionTokens: 300, CostMicros: 1800, Cache: "miss", Stream: true}
}

func BenchmarkRecord(b *testing.B) {
	r := benchRegistry(b, 10)
	rec := benchRecord(r, "model-03")
	r.Record(&rec) // create the series outside the timed loop
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := threadCPU()
	for i := 0; i < b.N; i++ {
		r.Record(&rec)
	}
	b.ReportMetric(float64(threadCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}

// BenchmarkRecordParallel records from all Ps at once, half on one hot model, half spread over 10.
func BenchmarkRecordParallel(b *testing.B) {
	r := benchRegistry(b, 10)
	recs := make([]Record, 10)
	for i := range recs {
		recs[i] = benchRecord(r, fmt.Sprintf("model-%02d", i))
		r.Record(&recs[i])
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			rec := &recs[0]
			if i&1 == 1 {
				rec = &recs[i%10]
			}
			r.Record(rec)
			i++
		}
	})
}

// BenchmarkLookupAndRecord includes resolving the handles by name, as the gateway does per request.
func BenchmarkLookupAndRecord(b *testing.B) {
	r := benchRegistry(b, 50)
	rec := benchRecord(r, "model-07")
	r.Record(&rec)
	name, dep := "model-07", "primary"
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m := r.Model(name)
		rec.Model, rec.Deployment = m, m.Deployment(dep)
		r.Record(&rec)
	}
}

// BenchmarkScrape50Models writes the whole /metrics (all sets + process metrics) for 50 models with 1 or 2
// deployments each, every series populated (worst case: idle label combinations export nothing).
func BenchmarkScrape50Models(b *testing.B) {
	for _, deps := range []int{1, 2} {
		b.Run(fmt.Sprintf("deployments=%d", deps), func(b *testing.B) {
			r := benchRegistry(b, 50)
			for i := 0; i < 50; i++ {
				for _, dep := range []string{"primary", "backup"}[:deps] {
					rec := benchRecord(r, fmt.Sprintf("model-%02d", i))
					rec.Deployment = rec.Model.Deployment(dep)
					r.Record(&rec)
					rec.Status, rec.ErrKind, rec.Cache = 502, ErrUpstream5xx, "hit"
					r.Record(&rec)
				}
			}
			var buf bytes.Buffer
			writeAllMetrics(&buf)
			lines := bytes.Count(buf.Bytes(), []byte("\n"))
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := threadCPU()
			for i := 0; i < b.N; i++ {
				writeAllMetrics(io.Discard)
			}
			b.ReportMetric(float64(threadCPU()-cpu0)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(lines), "lines")
		})
	}
}

// threadCPU returns the CPU time the process has used, in ns. On a shared machine wall time per op includes
// time spent waiting for a core; CPU time per op is the cost itself (it also counts GC work).
func threadCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkScrapeProcessMetricsOnly is the fixed cost of go_* and process_* metrics, for comparison.
func BenchmarkScrapeProcessMetricsOnly(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		metrics.WriteProcessMetrics(io.Discard)
	}
}

func BenchmarkEvaluate50Models(b *testing.B) {
	r := benchRegistry(b, 50)
	for i := 0; i < 50; i++ {
		rec := benchRecord(r, fmt.Sprintf("model-%02d", i))
		r.Record(&rec)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.evaluate()
	}
}

func BenchmarkAccessLog(b *testing.B) {
	al := NewAccessLogger(io.Discard)
	e := &AccessEntry{RequestID: "01JABCDEF", Tenant: "acme", Team: "search", Model: "mock-gpt", Deployment: "primary",
		Status: 200, Latency: time.Second, TTFT: 100 * time.Millisecond, PromptTokens: 10, CompletionTokens: 20,
		CostMicros: 1234, Cache: "miss", Policy: "allow"}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		al.Log(e)
	}
}
