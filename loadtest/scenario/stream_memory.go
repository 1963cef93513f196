package scenario

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func init() {
	Register(Scenario{Name: "stream-memory", Run: runStreamMemory, SmokeTimeout: 60 * time.Second,
		About: "memory per open stream: RSS and heap slope over 1k, 5k and 10k slow streams from a paced mock, and the CPU per relayed event"})
}

// streamMemoryYAML: one paced upstream (a token a second, streams far
// longer than the run), the ledger off and no stages, so what is measured
// is the gateway's own cost of holding a stream. No admission limit: the
// streams are the load.
const streamMemoryYAML = `
server: {max_in_flight: 0}
upstreams:
  - name: mock
    kind: openai
    base_url: http://MOCK/v1
    max_conns: 30000
    headers: {x-mock-tokens-per-sec: "TPS", x-mock-tokens: "100000"}
models:
  - name: mock-gpt
    deployments: [{upstream: mock}]
metering:
  ledger: "off"
`

// slowStreamBody asks for a stream; the mock's knobs make it long and slow.
var slowStreamBody = []byte(`{"model":"mock-gpt","stream":true,"messages":[{"role":"user","content":"Tell me a very long story."}]}`)

// memSample is one level's reading.
type memSample struct {
	streams                 int64
	rss, heapInuse, stackIn float64
	live                    float64 // the Go heap still reachable right after a forced GC
	goroutines              int
	cpuPerEvent             float64 // µs of gateway CPU per relayed event
}

// runStreamMemory opens slow streams in steps (levels), and at each level
// reads the gateway's RSS, Go heap and goroutines, then its CPU over a
// window against the events the clients read in it. The per-stream figure
// is the least-squares slope of RSS over open streams.
// Settings (-set): levels=1000,5000,10000, tps=1 (tokens/s per stream),
// window=10s, ramp=300 (streams opened per second: faster, a
// busy two-core machine misses the upstream's connect timeout), bin=PATH (another
// tollgate binary, e.g. an older build, for before/after), profile=1
// (save a heap profile at the top level under the run's results).
func runStreamMemory(ctx context.Context, env *Env, o Options) (*Result, error) {
	res := NewResult("stream-memory")
	limit, err := raiseFileLimit()
	if err != nil {
		return nil, err
	}
	levels := []int{1000, 5000, 10000}
	if o.Smoke {
		levels = []int{20, 60}
	}
	if v := o.Str("levels", ""); v != "" {
		levels = levels[:0]
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("levels: bad count %q", f)
			}
			levels = append(levels, n)
		}
	}
	// The gateway holds two sockets per stream (client and upstream) under
	// the same limit as this process.
	if top := int(limit-256) / 2; levels[len(levels)-1] > top {
		res.Note("open-file limit %d (hard): the gateway holds two sockets per stream, so the top level is %d streams, not %d", limit, top, levels[len(levels)-1])
		levels[len(levels)-1] = top
	}
	tps := o.Str("tps", "1")
	window := durSetting(o, "window", 10*time.Second, time.Second)
	ramp := o.SetInt("ramp", 300)

	mock, err := env.StartMock()
	if err != nil {
		return nil, err
	}
	yaml := strings.NewReplacer("MOCK", mock.Addr, "TPS", tps).Replace(streamMemoryYAML)
	type target struct{ name, bin, yaml string }
	targets := []target{{"gateway", o.Str("bin", ""), yaml}}
	if o.Before != "" {
		bin, err := env.BuildAt(o.Before, "./cmd/tollgate")
		if err != nil {
			return nil, err
		}
		// An older build may not know server.max_in_flight (it had no limit).
		targets = append([]target{{"before (" + o.Before + ")", bin, strings.Replace(yaml, "server: {max_in_flight: 0}\n", "", 1)}}, targets...)
	}
	for _, tg := range targets {
		gw, err := env.StartGatewayWith(GatewayOptions{Name: sanitize(tg.name), Bin: tg.bin, YAML: tg.yaml})
		if err != nil {
			return nil, err
		}
		m := streamMemoryRun{levels: levels, window: window, ramp: ramp}
		if o.Str("profile", "") != "" {
			m.profile = filepath.Join(env.Root(), "loadtest", "results", "stream-memory-"+sanitize(tg.name)+"-heap.pprof")
		}
		if err := m.run(ctx, env, gw); err != nil {
			return nil, err
		}
		_ = gw.Stop()
		m.report(res, tg.name, tps, o.Smoke)
	}
	return res, nil
}

// streamMemoryRun measures one gateway.
type streamMemoryRun struct {
	levels  []int
	window  time.Duration
	ramp    int
	profile string // save a heap profile here at the top level
	streams *SlowStreams
	samples []memSample
	failed  int64
	failure string
}

func (m *streamMemoryRun) run(ctx context.Context, env *Env, gw *Proc) error {
	// Warm up: pools and the first stream's one-off allocations are not a
	// stream's cost.
	warm := &SlowStreams{Addr: gw.Addr, Body: slowStreamBody}
	warm.Start(ctx, 10, 0)
	warm.Close()
	time.Sleep(time.Second)

	m.streams = &SlowStreams{Addr: gw.Addr, Body: slowStreamBody}
	defer m.streams.Close()
	base, err := sampleMemory(ctx, gw)
	if err != nil {
		return err
	}
	m.samples = append(m.samples, base)
	for _, n := range m.levels {
		if more := n - int(m.streams.Open()); more > 0 {
			m.streams.Start(ctx, more, m.ramp)
		}
		if m.streams.Failed() > 0 {
			break
		}
		time.Sleep(min(m.window, 3*time.Second)) // settle
		cpu := MeasureCPU(gw)
		ev0 := m.streams.Events()
		time.Sleep(m.window)
		used, events := cpu.Used(), m.streams.Events()-ev0
		s, err := sampleMemory(ctx, gw)
		if err != nil {
			return err
		}
		s.streams = m.streams.Open()
		if events > 0 {
			s.cpuPerEvent = float64(used.Microseconds()) / float64(events)
		}
		m.samples = append(m.samples, s)
		env.Logf("stream-memory %s: %d streams open, RSS %.1f MiB, %d goroutines", gw.Name, s.streams, s.rss/(1<<20), s.goroutines)
	}
	if m.profile != "" {
		if err := saveHeapProfile(ctx, gw, m.profile); err != nil {
			env.Logf("heap profile: %v", err)
		}
	}
	m.failed, m.failure = m.streams.Failed(), m.streams.FirstError()
	return nil
}

func (m *streamMemoryRun) report(res *Result, name, tps string, smoke bool) {
	t := res.Table(fmt.Sprintf("%s. Slow streams: the mock paces each at %s token/s, clients read %d bytes every %s; each level measured after a settle, CPU over a %s window. Per stream: the change from the previous level divided by the streams added.",
		name, tps, m.streams.ReadBytes, m.streams.ReadEvery, m.window),
		"streams open", "RSS MiB", "Go heap in use MiB", "live heap MiB", "stacks MiB", "goroutines", "RSS KiB/stream (step)", "heap KiB/stream (step)", "live heap KiB/stream (step)", "goroutines/stream (step)", "CPU µs/event")
	samples := m.samples
	for i, s := range samples {
		step, hstep, lstep, gstep := "", "", "", ""
		if i > 0 && s.streams > samples[i-1].streams {
			d := float64(s.streams - samples[i-1].streams)
			step = fmtFloat((s.rss - samples[i-1].rss) / d / 1024)
			hstep = fmtFloat((s.heapInuse - samples[i-1].heapInuse) / d / 1024)
			lstep = fmtFloat((s.live - samples[i-1].live) / d / 1024)
			gstep = fmtFloat(float64(s.goroutines-samples[i-1].goroutines) / d)
		}
		cpu := ""
		if s.cpuPerEvent > 0 {
			cpu = fmtFloat(s.cpuPerEvent)
		}
		t.Row(s.streams, fmtFloat(s.rss/(1<<20)), fmtFloat(s.heapInuse/(1<<20)), fmtFloat(s.live/(1<<20)), fmtFloat(s.stackIn/(1<<20)),
			s.goroutines, step, hstep, lstep, gstep, cpu)
	}
	n := len(samples)
	xs, ys, hs, ls, gs := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for i, s := range samples {
		xs[i], ys[i], hs[i], ls[i], gs[i] = float64(s.streams), s.rss, s.heapInuse+s.stackIn, s.live, float64(s.goroutines)
	}
	slope, heapSlope, liveSlope := slopeOf(xs, ys), slopeOf(xs, hs), slopeOf(xs, ls)
	key := sanitize(name)
	res.Value(key+"_rss_bytes_per_stream", slope)
	res.Value(key+"_heap_stack_bytes_per_stream", heapSlope)
	res.Value(key+"_live_heap_bytes_per_stream", liveSlope)
	res.Value(key+"_goroutines_per_stream", slopeOf(xs, gs))
	res.Value(key+"_streams_top", float64(samples[len(samples)-1].streams))
	if last := samples[len(samples)-1]; last.cpuPerEvent > 0 {
		res.Value(key+"_cpu_us_per_event", last.cpuPerEvent)
	}
	res.Note("%s: RSS slope over all levels (least squares) %.1f KiB per open stream, Go heap + stacks %.1f KiB, live heap after a GC %.1f KiB (stacks not included); goal ≤ 32 KB",
		name, slope/1024, heapSlope/1024, liveSlope/1024)
	res.Check(name+": every stream opened and stayed open", m.failed == 0, 0, fmt.Sprintf("%d failed %s", m.failed, m.failure))
	if !smoke && !strings.HasPrefix(name, "before") { // tens of streams cannot resolve a few KB each from RSS noise
		res.Check(name+": RSS per open stream ≤ 32 KB", slope <= 32000, "≤ 32000 B", fmt.Sprintf("%.0f B", slope))
	}
}

func sampleMemory(ctx context.Context, gw *Proc) (memSample, error) {
	var s memSample
	rss, err := gw.RSS()
	if err != nil {
		return s, err
	}
	s.rss = float64(rss)
	if s.heapInuse, err = gw.Metric(ctx, "go_memstats_heap_inuse_bytes"); err != nil {
		return s, err
	}
	if s.stackIn, err = gw.Metric(ctx, "go_memstats_stack_inuse_bytes"); err != nil {
		return s, err
	}
	if s.goroutines, err = gw.Goroutines(ctx); err != nil {
		return s, err
	}
	// Last: the forced GC must not shrink the RSS and heap read above.
	s.live, err = liveHeap(ctx, gw)
	return s, err
}

// liveHeap forces a GC in the gateway (its /debug/pprof/heap with gc=1)
// and returns the heap allocated right after it: what the streams really
// keep reachable, without the garbage the GC lets build up between cycles
// (heap in use is up to GOGC % above this: the GC's headroom).
func liveHeap(ctx context.Context, gw *Proc) (float64, error) {
	b, err := httpGet(ctx, gw.URL("/debug/pprof/heap?debug=1&gc=1"))
	if err != nil {
		return 0, err
	}
	_, rest, ok := bytes.Cut(b, []byte("\n# HeapAlloc = "))
	if !ok {
		return 0, errors.New("/debug/pprof/heap?debug=1: no HeapAlloc line")
	}
	if i := bytes.IndexByte(rest, '\n'); i >= 0 {
		rest = rest[:i]
	}
	return strconv.ParseFloat(string(bytes.TrimSpace(rest)), 64)
}

// slopeOf is the least-squares slope of ys over xs.
func slopeOf(xs, ys []float64) float64 {
	n := float64(len(xs))
	if n < 2 {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for i := range xs {
		sx, sy, sxx, sxy = sx+xs[i], sy+ys[i], sxx+xs[i]*xs[i], sxy+xs[i]*ys[i]
	}
	d := n*sxx - sx*sx
	if d == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / d
}

// saveHeapProfile writes the gateway's heap profile (its /debug/pprof/heap,
// open on a loopback listener without keys) to path.
func saveHeapProfile(ctx context.Context, gw *Proc, path string) error {
	b, err := httpGet(ctx, gw.URL("/debug/pprof/heap"))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
