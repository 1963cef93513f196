package scenario

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func init() {
	Register(Scenario{Name: "features-on", Run: runFeaturesOn, SmokeTimeout: 60 * time.Second,
		About: "every stage on (auth, policy, filters, metering, cache, sampling) against the bare gateway in the same run: CPU per request and its ratio, latency by kind"})
}

// featuresOnExtra is appended to loadtest/gateway-full.yaml (virtual keys
// with limits and budgets, the example policies, the ledger, the access
// log): the content filters as loadtest/targets' gateway_all_stages_filters
// sets them, the response cache (deterministic requests) and eval sampling
// to a file.
// featuresRepeatStride numbers each repeat's requests apart (more than a
// repeat sends), so no repeat replays another's unique prompts.
const featuresRepeatStride = 100_000_000

const featuresOnExtra = `
filters: {enabled: true, scan: {blocklists: [{name: profanity, list: surge_profanity}]}, input: {secret.*: redact, pii.email: pseudonymize}, output: {secret.*: redact, pii.credit_card: redact}}
cache: {enabled: true}
evals: {enabled: true, sample_rate: 0.05, sink: {kind: file, file: {path: samples/samples.jsonl}}}
`

// featuresMix is the request mix both gateways get, the same sequence:
// every third request repeats one deterministic prompt (temperature 0), so
// the cache answers it after the first; the others are deterministic and
// unique (the request's number in the prompt), so each is a lookup, a miss,
// an upstream call and a store. No prompt holds PII, secrets or a denied
// word: the policy and filters scan everything and change nothing.
func featuresMix(key string) func(i int) Request { return featuresMixFrom(key, 0) }

// featuresMixFrom is featuresMix numbered from base, so each repeat's
// unique prompts are new.
func featuresMixFrom(key string, base int) func(i int) Request {
	repeat := []byte(`{"model":"mock-gpt","temperature":0,"max_tokens":16,"messages":[{"role":"user","content":"Summarise the benefits of connection pooling in two sentences."}]}`)
	return func(i int) Request {
		i += base
		if i%3 == 0 {
			return Request{Key: key, Body: repeat, Kind: "repeat (cache hit)"}
		}
		body := `{"model":"mock-gpt","temperature":0,"max_tokens":16,"messages":[{"role":"user","content":"Summarise the benefits of connection pooling in two sentences, for reader number ` + strconv.Itoa(i) + `."}]}`
		return Request{Key: key, Body: []byte(body), Kind: "unique (cache miss)"}
	}
}

// runFeaturesOn loads the mock directly, the bare gateway and the gateway
// with every stage on at the same fixed rate, in interleaved repeats (the
// order rotating each repeat), and reports each process's CPU per request,
// the ratio features-on / bare and the latency each adds over direct.
// Settings (-set): phase=5s (each repeat's length per arm).
func runFeaturesOn(ctx context.Context, env *Env, o Options) (*Result, error) {
	res := NewResult("features-on")
	rate := o.Int(o.Rate, 1000, 200)
	conns := o.Int(o.Conns, 10, 10)
	repeats := o.Int(o.Repeats, 5, 1)
	phase := durSetting(o, "phase", 5*time.Second, time.Second)
	if o.Duration > 0 && !o.Smoke {
		phase = o.Duration
	}
	const key = "sk-load"

	mock, err := env.StartMock()
	if err != nil {
		return nil, err
	}
	bareYAML, err := os.ReadFile(filepath.Join(env.Root(), "loadtest", "gateway.yaml"))
	if err != nil {
		return nil, err
	}
	fullYAML, err := os.ReadFile(filepath.Join(env.Root(), "loadtest", "gateway-full.yaml"))
	if err != nil {
		return nil, err
	}
	bare, err := env.StartGatewayWith(GatewayOptions{Name: "bare", YAML: strings.ReplaceAll(string(bareYAML), "127.0.0.1:18080", mock.Addr)})
	if err != nil {
		return nil, err
	}
	full, err := env.StartGatewayWith(GatewayOptions{Name: "features_on", YAML: strings.ReplaceAll(string(fullYAML), "127.0.0.1:18080", mock.Addr) + featuresOnExtra})
	if err != nil {
		return nil, err
	}
	arms := []endpoint{{name: "direct", proc: mock}, {name: "bare", proc: bare}, {name: "features_on", proc: full}}
	runs := make([][]*Stats, len(arms))
	cpu := make([]time.Duration, len(arms))
	upstream := make([]int64, len(arms)) // requests that reached the mock during the arm's phases
	for r := range repeats {
		for k := range arms {
			i := (k + r) % len(arms)
			before, err := mock.MockStats(ctx)
			if err != nil {
				return nil, err
			}
			m := MeasureCPU(arms[i].proc)
			st, err := RunLoad(ctx, Load{Addr: arms[i].proc.Addr, Rate: rate, Duration: phase, Conns: conns, Next: featuresMixFrom(key, r*featuresRepeatStride)})
			if err != nil {
				return nil, err
			}
			cpu[i] += m.Used()
			after, err := mock.MockStats(ctx)
			if err != nil {
				return nil, err
			}
			upstream[i] += after["requests"] - before["requests"] - 1 // the mock counts the second stats GET too
			runs[i] = append(runs[i], st)
		}
	}
	pooled := make([]*Stats, len(arms))
	for i := range arms {
		pooled[i] = MergeStats(runs[i]...)
	}
	t := res.Table(fmt.Sprintf("Open loop: %d requests/s over %d keep-alive connections, %d × %s per arm, arms interleaved (order rotated each repeat). Mix: every third request repeats one deterministic prompt (cache hits after the first), the rest are unique deterministic prompts (cache misses, stored); the same sequence for every arm. CPU: the process's user+system time over the requests it answered (direct: the mock itself).",
		rate, conns, repeats, phase),
		"arm", "requests", "CPU µs/request", "p50 ms", "p99 ms", "added p50 ms", "added p99 ms", "upstream calls", "errors")
	per := make([]float64, len(arms))
	for i, a := range arms {
		p := pooled[i]
		per[i] = float64(cpu[i].Microseconds()) / float64(max(p.Requests, 1))
		add50, add99 := "", ""
		if i > 0 {
			add50, add99 = fmtFloat(ms(p.P(.5))-ms(pooled[0].P(.5))), fmtFloat(ms(p.P(.99))-ms(pooled[0].P(.99)))
		}
		t.Row(a.name, p.Requests, per[i], ms(p.P(.5)), ms(p.P(.99)), add50, add99, upstream[i], p.Errors())
		res.Value("cpu_us_per_request_"+a.name, per[i])
		res.Check(a.name+": every request answered 200", p.Errors() == 0 && p.Requests > 0, "all 200", p.StatusSummary())
	}
	ratio := per[2] / per[1]
	res.Value("cpu_ratio_features_on_over_bare", ratio)
	res.Note("CPU per request, features on / bare: %.2f (%.1f µs against %.1f µs)", ratio, per[2], per[1])
	kt := res.Table("features_on by kind", "kind", "requests", "p50 ms", "p99 ms", "errors")
	for _, k := range pooled[2].KindNames() {
		ks := pooled[2].Kinds[k]
		kt.Row(k, ks.Requests, ms(ks.P(.5)), ms(ks.P(.99)), ks.Errors())
	}

	// What must have happened: the cache answered the repeats (only the
	// unique prompts and the first repeat reached the mock; identical
	// concurrent misses coalesce), and the sampler wrote samples.
	unique := pooled[2].Kinds["unique (cache miss)"].OK()
	res.Check("features_on: only the unique prompts (and the first repeat) reach the upstream",
		upstream[2] >= int64(unique) && upstream[2] <= int64(unique)+int64(repeats), fmt.Sprintf("%d to %d", unique, unique+repeats), upstream[2])
	res.Check("bare: every request reaches the upstream", upstream[1] == int64(pooled[1].OK()), pooled[1].OK(), upstream[1])
	samples, err := countLines(filepath.Join(full.Dir, "samples", "samples.jsonl"))
	res.Check("features_on: eval samples written", err == nil && samples > 0, "> 0", fmt.Sprintf("%d %v", samples, errText(err)))
	res.Note("features_on: auth (virtual key with rpm/tpm limits and budgets), the example policies in both phases, the content filters (every PII and secret detector, a blocklist; redact and pseudonymise), the ledger (file) and access log, the response cache, eval sampling at 5 %% to a file (%d samples written). bare: loadtest/gateway.yaml (no keys, policy, ledger).", samples)
	return res, nil
}

func countLines(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strings.Count(string(b), "\n"), nil
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
