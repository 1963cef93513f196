package scenario

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

func init() {
	Register(Scenario{Name: "direct-vs-gateway", Run: runDirectVsGateway, SmokeTimeout: 90 * time.Second,
		About: "the same load straight to mockllm, through httputil.ReverseProxy, through a minimal fasthttp proxy (the floor) and through each loadtest/targets gateway: closed-loop RPS and CPU per request, the open-loop latency the gateway adds, streaming TTFT"})
}

// endpoint is one thing the scenario loads: the mock itself, the baseline
// proxy, the floor proxy or a gateway target.
type endpoint struct {
	name string
	key  string
	proc *Proc
}

// runDirectVsGateway is what loadtest/run.sh measured, in Go:
//   - closed loop (wrk -t2 when installed, else RunLoad) per endpoint after a
//     warm-up: RPS, latency and the endpoint's CPU per request;
//   - the same endpoint at a fixed rate (open loop): CPU per request at equal
//     offered load, which a closed loop skews with each target's speed;
//   - open loop at 1,000 requests/s over 10 keep-alive connections, direct
//     and gateway repeats interleaved (the order rotating each repeat, so a
//     slow drift of the shared machine falls on every arm alike): the p50
//     and p99 the gateway adds over direct, what users feel, beside what
//     the floor (loadtest/floor, the smallest fasthttp proxy) adds in the
//     same run: the gateway's own share is the difference;
//   - streaming TTFT, inter-token latency, tokens/s (go-openai, sequential),
//     from the zero-latency mock and from one pacing 200 tokens/s.
//
// -before REF adds every target built from that commit as <name>_before.
// Settings (-set): targets=a,b (default all), arms=floor,gateway,… (open-loop
// arms beside direct; default floor,gateway,gateway_all_stages and, with
// -before, their _before twins), open_duration=5s, pacing=precise|paced (the open
// loop's pacer, Load.Precise), fixed_rate=1500 (0 = none),
// fixed_duration=10s, warmup=5s, streams=300, paced_streams=50, threads=2
// (wrk's).
func runDirectVsGateway(ctx context.Context, env *Env, o Options) (*Result, error) {
	res := NewResult("direct-vs-gateway")
	closedDur := o.Dur(15*time.Second, time.Second)
	warm := durSetting(o, "warmup", 5*time.Second, 0)
	conns := o.Int(o.Conns, 50, 10)
	fixedRate := o.Int(0, o.SetInt("fixed_rate", 1500), 200) // 0 = no fixed-rate phase
	threads := o.SetInt("threads", 2)
	fixedDur := durSetting(o, "fixed_duration", 10*time.Second, 500*time.Millisecond)
	openRate := o.Int(o.Rate, 1000, 200)
	openDur := durSetting(o, "open_duration", 5*time.Second, time.Second)
	repeats := o.Int(o.Repeats, 5, 1)
	nStreams := o.Int(o.SetInt("streams", 0), 300, 10)

	mock, err := env.StartMock()
	if err != nil {
		return nil, err
	}
	// The comparison proxies: net/http's reverse proxy, and the floor, the
	// smallest fasthttp proxy (what any fasthttp proxy adds).
	baseline, err := startProxy(env, "baseline", "http://"+mock.Addr)
	if err != nil {
		return nil, err
	}
	floor, err := startProxy(env, "floor", mock.Addr)
	if err != nil {
		return nil, err
	}
	eps := []endpoint{{name: "direct", proc: mock}, {name: "baseline", proc: baseline}, {name: "floor", proc: floor}}

	targets, err := env.ReadTargets()
	if err != nil {
		return nil, err
	}
	want := o.Str("targets", "")
	if want == "" && o.Smoke {
		want = "gateway,gateway_all_stages"
	}
	if want != "" {
		targets = slices.DeleteFunc(targets, func(t Target) bool { return !slices.Contains(strings.Split(want, ","), t.Name) })
	}
	beforeBin := ""
	if o.Before != "" {
		if beforeBin, err = env.BuildAt(o.Before, "./cmd/tollgate"); err != nil {
			return nil, err
		}
		res.Note("*_before: the same target built from %s", o.Before)
	}
	for _, t := range targets {
		yaml, err := env.TargetYAML(t, mock.Addr)
		if err != nil {
			return nil, err
		}
		p, err := env.StartGatewayWith(GatewayOptions{Name: t.Name, YAML: yaml})
		if err != nil {
			return nil, err
		}
		eps = append(eps, endpoint{name: t.Name, key: t.Key, proc: p})
		if beforeBin != "" {
			// An older build may not know a section the config has: left out, and said so.
			p, err := env.StartGatewayWith(GatewayOptions{Name: t.Name + "_before", Bin: beforeBin, YAML: yaml})
			if err != nil {
				res.Note("%s_before did not start; left out (%v)", t.Name, firstLine(err.Error()))
				continue
			}
			eps = append(eps, endpoint{name: t.Name + "_before", key: t.Key, proc: p})
		}
	}

	closedBy := "RunLoad (Go, fasthttp), closed loop"
	if HaveWrk() {
		closedBy = fmt.Sprintf("wrk -t%d with loadtest/chat.lua", threads)
	}
	closed := res.Table(fmt.Sprintf("Closed loop: %s, %d connections, %s per target after a %s warm-up; then the same target at a fixed %d requests/s for %s (open loop). Non-streaming chat, zero-latency mockllm. CPU: the target process's user+system time per request (direct: the mock itself).",
		closedBy, conns, closedDur, warm, fixedRate, fixedDur),
		"target", "RPS", "p50 ms", "p99 ms", "CPU µs/request", "errors",
		fmt.Sprintf("CPU µs/request at %d/s", fixedRate), fmt.Sprintf("p99 ms at %d/s", fixedRate), fmt.Sprintf("errors at %d/s", fixedRate))
	rps := map[string]float64{}
	for _, ep := range eps {
		if warm > 0 {
			if _, err := closedLoop(ctx, env, ep, warm, conns, threads); err != nil {
				return nil, err
			}
		}
		cpu := MeasureCPU(ep.proc)
		st, err := closedLoop(ctx, env, ep, closedDur, conns, threads)
		if err != nil {
			return nil, err
		}
		perReq := cpu.PerRequestMicros(st.Requests)
		fixedPer, fixedP99, fixedErrs := any("-"), any("-"), any("-")
		if fixedRate > 0 {
			cpu = MeasureCPU(ep.proc)
			fx, err := RunLoad(ctx, Load{Addr: ep.proc.Addr, Rate: fixedRate, Duration: fixedDur, Conns: conns, Next: keyed(ep.key)})
			if err != nil {
				return nil, err
			}
			per := cpu.PerRequestMicros(fx.Requests)
			fixedPer, fixedP99, fixedErrs = per, ms(fx.P(.99)), fx.Errors()
			res.Value("cpu_us_per_request_fixed_"+ep.name, per)
		}
		closed.Row(ep.name, st.RPS(), ms(st.P(.5)), ms(st.P(.99)), perReq, st.Errors(), fixedPer, fixedP99, fixedErrs)
		rps[ep.name] = st.RPS()
		res.Value("rps_"+ep.name, st.RPS())
		res.Value("cpu_us_per_request_"+ep.name, perReq)
		env.Logf("%s: %.0f RPS, %.1f µs CPU/request closed, %s at %d/s", ep.name, st.RPS(), perReq, cell(fixedPer), fixedRate)
	}
	for _, r := range []struct{ a, b, what string }{
		{"gateway", "baseline", "gateway/baseline RPS"},
		{"gateway", "direct", "gateway/direct RPS"},
		{"gateway", "floor", "gateway/floor RPS"},
		{"gateway_all_stages", "gateway_all_but_policy", "policy on/off RPS (all other stages on)"},
		{"gateway_all_stages_opa_evaluator", "gateway_all_but_policy", "policy on, OPA topdown evaluator/off RPS"},
		{"gateway_cache_hit", "gateway_cache_miss", "cache 100 % hits / 0 % hits RPS"},
		{"gateway_all_stages_filters", "gateway_all_stages", "filters on/off RPS (all other stages on)"},
	} {
		if rps[r.a] > 0 && rps[r.b] > 0 {
			res.Note("%s ratio: %.2f", r.what, rps[r.a]/rps[r.b])
		}
	}

	if err := addedLatency(ctx, env, res, o, eps, openRate, openDur, repeats); err != nil {
		return nil, err
	}
	if err := streamLatency(ctx, res, eps, nStreams); err != nil {
		return nil, err
	}
	if err := pacedStreams(ctx, env, res, o.Int(o.SetInt("paced_streams", 0), 50, 3)); err != nil {
		return nil, err
	}
	return res, nil
}

// addedLatency runs the open-loop arms interleaved and reports what each
// gateway adds over direct.
func addedLatency(ctx context.Context, env *Env, res *Result, o Options, eps []endpoint, rate int, d time.Duration, repeats int) error {
	const conns = 10
	def := "floor,gateway,gateway_all_stages"
	if o.Before != "" {
		def += ",gateway_before,gateway_all_stages_before"
	}
	armNames := strings.Split(o.Str("arms", def), ",")
	arms := []endpoint{eps[0]}
	for _, ep := range eps {
		if slices.Contains(armNames, ep.name) {
			arms = append(arms, ep)
		}
	}
	precise := o.Str("pacing", "precise") != "paced"
	pacer := "each request leaves at its due time (a timerfd per connection, ±50 µs)"
	if !precise {
		pacer = "paced on the Go runtime's timer (requests leave 0–1 ms late)"
	}
	loadBefore := loadAverage()
	runs := make([][]*Stats, len(arms))
	for r := range repeats {
		for k := range arms {
			i := (k + r) % len(arms) // rotate the order each repeat
			st, err := RunLoad(ctx, Load{Addr: arms[i].proc.Addr, Rate: rate, Duration: d, Conns: conns, Next: keyed(arms[i].key), Precise: precise})
			if err != nil {
				return err
			}
			runs[i] = append(runs[i], st)
		}
	}
	res.Note("open loop: load average %s before, %s after (1, 5, 15 min)", loadBefore, loadAverage())
	t := res.Table(fmt.Sprintf("Open loop: %d requests/s over %d keep-alive connections, %s, %d × %s per arm, arms interleaved (order rotated each repeat). Latency from each request's scheduled time; added = arm − direct on the pooled samples; \"median added\" is the median over repeats of (arm − direct) within the same repeat, which one stall of the machine moves less.",
		rate, conns, pacer, repeats, d),
		"arm", "requests", "p50 ms", "p90 ms", "p99 ms", "max ms", "added p50 ms", "added p99 ms", "median added p50 ms", "median added p99 ms", "errors")
	pooled := make([]*Stats, len(arms))
	floor := -1
	for i := range arms {
		pooled[i] = MergeStats(runs[i]...)
		if arms[i].name == "floor" {
			floor = i
		}
	}
	for i, a := range arms {
		p := pooled[i]
		addP50, addP99, med50, med99 := "", "", "", ""
		if i > 0 {
			a50, a99 := ms(p.P(.5))-ms(pooled[0].P(.5)), ms(p.P(.99))-ms(pooled[0].P(.99))
			m50, m99 := medianAdded(runs[i], runs[0], .5), medianAdded(runs[i], runs[0], .99)
			addP50, addP99, med50, med99 = fmtFloat(a50), fmtFloat(a99), fmtFloat(m50), fmtFloat(m99)
			res.Value("added_p50_ms_"+a.name, a50)
			res.Value("added_p99_ms_"+a.name, a99)
			res.Value("median_added_p50_ms_"+a.name, m50)
			res.Value("median_added_p99_ms_"+a.name, m99)
		}
		t.Row(a.name, p.Requests, ms(p.P(.5)), ms(p.P(.9)), ms(p.P(.99)), ms(p.Max()), addP50, addP99, med50, med99, p.Errors())
		res.Check("open loop "+a.name+": every request answered 200", p.Errors() == 0 && p.Requests > 0, "all 200", p.StatusSummary())
	}
	if floor > 0 {
		for i, a := range arms {
			if i == 0 || i == floor {
				continue
			}
			over50 := ms(pooled[i].P(.5)) - ms(pooled[floor].P(.5))
			over99 := ms(pooled[i].P(.99)) - ms(pooled[floor].P(.99))
			res.Note("open loop: %s adds %+.3f ms at p50, %+.3f ms at p99 over the floor proxy (median over repeats %+.3f at p50)",
				a.name, over50, over99, medianAdded(runs[i], runs[floor], .5))
			res.Value("over_floor_p50_ms_"+a.name, over50)
			res.Value("over_floor_p99_ms_"+a.name, over99)
		}
	}
	return nil
}

// startProxy runs the comparison proxy loadtest/NAME in front of upstream
// (its --upstream flag).
func startProxy(env *Env, name, upstream string) (*Proc, error) {
	bin, err := env.Build("./loadtest/" + name)
	if err != nil {
		return nil, err
	}
	addr, err := env.FreeAddr()
	if err != nil {
		return nil, err
	}
	return env.Start(ProcSpec{Name: name, Bin: bin, Addr: addr,
		Args: []string{"--listen", addr, "--upstream", upstream}, Ready: httpReady("/v1/models")})
}

// medianAdded is the median over repeats of (arm − base) at quantile q,
// each difference taken within one repeat: one stall of the shared machine
// moves it less than it moves the pooled quantiles.
func medianAdded(arm, base []*Stats, q float64) float64 {
	var d []float64
	for r := range min(len(arm), len(base)) {
		d = append(d, ms(arm[r].P(q))-ms(base[r].P(q)))
	}
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[len(d)/2]
}

// streamLatency reads sequential streams straight from the mock, through
// the bare gateway and (when that target runs) replayed from the cache.
func streamLatency(ctx context.Context, res *Result, eps []endpoint, n int) error {
	t := res.Table(fmt.Sprintf("Streaming (go-openai, %d sequential streams each, max_tokens 32): time to first byte and first token, gaps between tokens, tokens/s per stream.", n),
		"target", "streams", "TTFB p50 ms", "TTFT p50 ms", "TTFT p90 ms", "TTFT p99 ms", "ITL p50 ms", "ITL p99 ms", "tokens/s p50", "errors")
	for _, ep := range eps {
		if ep.name != "direct" && ep.name != "gateway" && ep.name != "gateway_cache_hit" {
			continue
		}
		st, err := RunStreams(ctx, Streams{BaseURL: ep.proc.URL("/v1"), Key: ep.key, N: n, Duration: 2 * time.Minute})
		if err != nil {
			return err
		}
		name := ep.name
		if name == "gateway_cache_hit" {
			name += " (replayed)"
		}
		t.Row(name, st.Streams, ms(Pct(st.TTFB, .5)), ms(Pct(st.TTFT, .5)), ms(Pct(st.TTFT, .9)), ms(Pct(st.TTFT, .99)),
			ms(Pct(st.ITL, .5)), ms(Pct(st.ITL, .99)), PctF(st.TokensPerSec, .5), st.Errors)
		res.Check("streams "+ep.name+": every stream complete", st.Errors == 0 && st.Streams > 0, "0 errors", fmt.Sprintf("%d of %d %s", st.Errors, st.Streams, st.FirstErr))
		res.Value("ttft_p50_ms_"+ep.name, ms(Pct(st.TTFT, .5)))
	}
	return nil
}

func closedLoop(ctx context.Context, env *Env, ep endpoint, d time.Duration, conns, threads int) (*Stats, error) {
	if HaveWrk() {
		return env.RunWrk(ctx, ep.proc.Addr, d, conns, threads, ep.key)
	}
	return RunLoad(ctx, Load{Addr: ep.proc.Addr, Duration: d, Conns: conns, Next: keyed(ep.key)})
}

// keyed is the default chat request sent with key.
func keyed(key string) func(int) Request {
	return func(int) Request { return Request{Key: key} }
}

// ms is a duration in (fractional) milliseconds.
func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// durSetting reads -set key=duration, else the default or the smoke value.
func durSetting(o Options, key string, def, smoke time.Duration) time.Duration {
	if o.Smoke {
		return smoke
	}
	if v, ok := o.Set[key]; ok {
		if d, err := time.ParseDuration(v); err == nil {
			return d
		}
	}
	return def
}

// loadAverage is the machine's load average ("1.23 2.34 3.45"), or "?"
// where /proc/loadavg cannot be read.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "?"
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// pacedTokensPerSec paces the second mock's streams like a fast model.
const pacedTokensPerSec = 200

// pacedStreams reads streams from a mock that paces its tokens, straight
// and through a bare gateway: with real gaps between tokens, what the
// gateway adds to each gap (the relay of one event) shows in the
// inter-token latency.
func pacedStreams(ctx context.Context, env *Env, res *Result, n int) error {
	mock, err := env.StartMock("--tokens-per-sec", strconv.Itoa(pacedTokensPerSec))
	if err != nil {
		return err
	}
	cfg, err := os.ReadFile(filepath.Join(env.Root(), "loadtest", "gateway.yaml"))
	if err != nil {
		return err
	}
	gw, err := env.StartGatewayWith(GatewayOptions{Name: "gateway_paced", YAML: strings.ReplaceAll(string(cfg), "127.0.0.1:18080", mock.Addr)})
	if err != nil {
		return err
	}
	t := res.Table(fmt.Sprintf("Streaming from a mock pacing %d tokens/s (go-openai, %d sequential streams each, max_tokens 32)", pacedTokensPerSec, n),
		"target", "streams", "TTFT p50 ms", "TTFT p99 ms", "ITL p50 ms", "ITL p90 ms", "ITL p99 ms", "tokens/s p50", "tokens/s p1", "errors")
	var itl [2]float64
	for i, p := range []*Proc{mock, gw} {
		st, err := RunStreams(ctx, Streams{BaseURL: p.URL("/v1"), N: n, Duration: 2 * time.Minute})
		if err != nil {
			return err
		}
		name := []string{"direct", "gateway"}[i]
		t.Row(name, st.Streams, ms(Pct(st.TTFT, .5)), ms(Pct(st.TTFT, .99)), ms(Pct(st.ITL, .5)), ms(Pct(st.ITL, .9)), ms(Pct(st.ITL, .99)),
			PctF(st.TokensPerSec, .5), PctF(st.TokensPerSec, .01), st.Errors)
		res.Check("paced streams "+name+": every stream complete", st.Errors == 0 && st.Streams > 0, "0 errors", fmt.Sprintf("%d of %d %s", st.Errors, st.Streams, st.FirstErr))
		itl[i] = ms(Pct(st.ITL, .5))
		res.Value("paced_itl_p50_ms_"+name, itl[i])
		res.Value("paced_tokens_per_s_p50_"+name, PctF(st.TokensPerSec, .5))
	}
	res.Note("paced streams: the gateway's inter-token p50 %.3f ms against %.3f ms direct", itl[1], itl[0])
	return nil
}
