package health

import (
	"bufio"
	"bytes"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newTestRegistry builds a registry without background loops; the test drives the clock and evaluate().
func newTestRegistry(t testing.TB, opts Options, clk *fakeClock) *Registry {
	t.Helper()
	if clk == nil {
		clk = newFakeClock()
	}
	if opts.Logger == nil {
		opts.Logger = quietLogger()
	}
	r, err := newRegistry(opts, clk.now)
	if err != nil {
		t.Fatalf("newRegistry: %v", err)
	}
	t.Cleanup(r.Close)
	return r
}

// scrape returns this registry's own series (not other test registries') as series -> value.
func scrape(t testing.TB, r *Registry) map[string]float64 {
	t.Helper()
	var buf bytes.Buffer
	r.set.WritePrometheus(&buf)
	return parseExposition(t, buf.Bytes())
}

func parseExposition(t testing.TB, b []byte) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			t.Fatalf("bad exposition line %q", line)
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("bad value in %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// countFamily counts series whose name starts with family followed by '{' or '_' suffix forms.
func countFamily(m map[string]float64, family string) int {
	n := 0
	for k := range m {
		if strings.HasPrefix(k, family+"{") || k == family {
			n++
		}
	}
	return n
}

// feed records n identical requests at the current fake time.
func feed(r *Registry, model, dep string, n int, rec Record) {
	m := r.Model(model)
	rec.Model = m
	rec.Deployment = m.Deployment(dep)
	for i := 0; i < n; i++ {
		r.Record(&rec)
	}
}

func okRecord(latency time.Duration) Record {
	return Record{Status: 200, Duration: latency, TTFT: latency / 4, CompletionTokens: 100, PromptTokens: 50, Stream: true, Cache: "miss", CostMicros: 1500, Tenant: "acme"}
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
