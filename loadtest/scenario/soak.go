package scenario

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

func init() {
	Register(Scenario{Name: "soak", Run: runSoak, SmokeTimeout: 60 * time.Second,
		About: "10 minutes at moderate load with every feature on: slopes of RSS, goroutines, open files and the ledger spool, asserted flat"})
}

// soakStreamBody is the streaming share of the soak's traffic.
var soakStreamBody = []byte(`{"model":"mock-gpt","stream":true,"max_tokens":32,"messages":[{"role":"user","content":"Stream a short answer about connection pooling."}]}`)

// runSoak runs loadtest/gateway-full.yaml with the features-on scenario's
// stages (filters, cache, sampling: featuresOnExtra) at a moderate open-loop
// rate for Duration (default 10 minutes), sampling the gateway's RSS,
// goroutines, open files and the ledger spool's size. After a warm-up
// (the first fifth: caches and pools fill), each one's least-squares slope
// per minute must stay within its tolerance.
// Mix: the features-on mix (every third request repeats a deterministic
// prompt, so the cache answers it), and one request in five is a stream.
// Settings (-set): every=5s (sampling), rss_mib_per_min=1,
// goroutines_per_min=1, files_per_min=1.
func runSoak(ctx context.Context, env *Env, o Options) (*Result, error) {
	res := NewResult("soak")
	d := o.Dur(10*time.Minute, 4*time.Second)
	rate := o.Int(o.Rate, 200, 50)
	every := durSetting(o, "every", 5*time.Second, 250*time.Millisecond)
	const key = "sk-load"
	mock, err := env.StartMock()
	if err != nil {
		return nil, err
	}
	full, err := os.ReadFile(filepath.Join(env.Root(), "loadtest", "gateway-full.yaml"))
	if err != nil {
		return nil, err
	}
	// Its own ops listener on loopback: /metrics is open there without a key.
	yaml := opsWholeLine.ReplaceAllLiteralString(strings.ReplaceAll(string(full), "127.0.0.1:18080", mock.Addr), "# ops: own listener")
	// A small response cache: it fills during the warm-up, so what grows
	// after it is not the cache doing its job (it holds 64 MiB by default).
	extra := strings.Replace(featuresOnExtra, "cache: {enabled: true}", "cache: {enabled: true, memory_bytes: 4194304}", 1)
	gw, err := env.StartGatewayWith(GatewayOptions{Name: "soak", YAML: yaml + extra, OwnOps: true})
	if err != nil {
		return nil, err
	}
	ledgerDir := filepath.Join(gw.Dir, "loadtest", "results", "ledger-full") // gateway-full.yaml's ledger_dir, relative to the process
	mix := featuresMix(key)
	next := func(i int) Request {
		if i%5 == 4 {
			return Request{Key: key, Body: soakStreamBody, Kind: "stream"}
		}
		return mix(i)
	}
	type sample struct {
		at                 time.Duration
		rss, spool, ledger int64
		goroutines, files  int
		cache              float64
	}
	var samples []sample
	done := make(chan struct{})
	var st *Stats
	var loadErr error
	go func() {
		defer close(done)
		st, loadErr = RunLoad(ctx, Load{Addr: gw.Addr, Rate: rate, Duration: d, Conns: 20, Next: next})
	}()
	start := time.Now()
	tick := time.NewTicker(every)
	defer tick.Stop()
sampling:
	for {
		rss, err := gw.RSS()
		if err != nil {
			return nil, err
		}
		g, err := gw.Goroutines(ctx)
		if err != nil {
			return nil, err
		}
		files, err := gw.OpenFiles()
		if err != nil {
			return nil, err
		}
		samples = append(samples, sample{at: time.Since(start), rss: rss, goroutines: g, files: files,
			spool: dirSize(ledgerDir, "spool"), ledger: dirSize(ledgerDir, "")})
		select {
		case <-done:
			break sampling
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C:
		}
	}
	if loadErr != nil {
		return nil, loadErr
	}
	// Slopes after the warm-up.
	from := 0
	for from < len(samples)-2 && samples[from].at < d/5 {
		from++
	}
	var xs, rss, gs, fs, sp []float64
	for _, s := range samples[from:] {
		xs = append(xs, s.at.Minutes())
		rss = append(rss, float64(s.rss)/(1<<20))
		gs = append(gs, float64(s.goroutines))
		fs = append(fs, float64(s.files))
		sp = append(sp, float64(s.spool)/1024)
	}
	first, last := samples[from], samples[len(samples)-1]
	t := res.Table(fmt.Sprintf("Open loop %d requests/s over 20 connections for %s, every stage on (loadtest/gateway-full.yaml + the features-on stages); mix: every third request repeats a deterministic prompt (cache hits), one in five streams, the rest unique. Sampled every %s; slopes by least squares after a warm-up of %s.",
		rate, d, every, first.at.Round(time.Second)),
		"measure", "after warm-up", "at the end", "max", "slope per minute", "tolerance per minute")
	maxOf := func(f func(sample) float64) float64 {
		m := 0.0
		for _, s := range samples {
			m = max(m, f(s))
		}
		return m
	}
	tolRSS := float64(o.SetInt("rss_mib_per_min", 1))
	tolG := float64(o.SetInt("goroutines_per_min", 1))
	tolF := float64(o.SetInt("files_per_min", 1))
	rows := []struct {
		name        string
		a, b, m, sl float64
		tol         float64
	}{
		{"RSS MiB", float64(first.rss) / (1 << 20), float64(last.rss) / (1 << 20), maxOf(func(s sample) float64 { return float64(s.rss) / (1 << 20) }), slopeOf(xs, rss), tolRSS},
		{"goroutines", float64(first.goroutines), float64(last.goroutines), maxOf(func(s sample) float64 { return float64(s.goroutines) }), slopeOf(xs, gs), tolG},
		{"open files", float64(first.files), float64(last.files), maxOf(func(s sample) float64 { return float64(s.files) }), slopeOf(xs, fs), tolF},
		{"ledger spool KiB", float64(first.spool) / 1024, float64(last.spool) / 1024, maxOf(func(s sample) float64 { return float64(s.spool) / 1024 }), slopeOf(xs, sp), 0},
	}
	for _, r := range rows {
		t.Row(r.name, fmtFloat(r.a), fmtFloat(r.b), fmtFloat(r.m), fmtFloat(r.sl), fmtFloat(r.tol))
		res.Value(sanitize(r.name)+"_slope_per_min", r.sl)
		if !o.Smoke { // seconds of samples say nothing about a slope
			res.Check(r.name+" flat (slope ≤ tolerance)", r.sl <= r.tol, fmt.Sprintf("≤ %s/min", fmtFloat(r.tol)), fmtFloat(r.sl)+"/min")
		}
	}
	res.Note("ledger directory (the day's records, growing by design): %.1f MiB at the end; the spool holds only records the store could not take", float64(last.ledger)/(1<<20))
	l := res.Table("Traffic", "kind", "requests", "errors", "p50 ms", "p99 ms")
	l.Row("all", st.Requests, st.Errors(), fmtFloat(ms(st.P(.5))), fmtFloat(ms(st.P(.99))))
	for _, k := range st.KindNames() {
		ks := st.Kinds[k]
		l.Row(k, ks.Requests, ks.Errors(), fmtFloat(ms(ks.P(.5))), fmtFloat(ms(ks.P(.99))))
	}
	// Requests the load could not send on time (every connection busy) are
	// the load machine's stalls as much as the gateway's: reported, and
	// held to 1%.
	// 403s are the example policies' answers (a few of the numbered prompts
	// trip a detector), not failures: counted in the table's status summary.
	failed := st.Errors() - st.Missed - st.Status[403]
	res.Check("no failed requests (5xx, 4xx but policy denials, transport)", failed == 0 && st.Requests > 0, 0, st.StatusSummary())
	res.Check("requests not sent on time ≤ 1%", st.Missed*100 <= st.Requests+st.Missed, "≤ 1%", fmt.Sprintf("%d of %d", st.Missed, st.Requests+st.Missed))
	res.Check("the ledger spool stayed empty (the store kept up)", rows[3].m == 0, 0, fmt.Sprintf("%.1f KiB at most", rows[3].m))
	return res, nil
}

var opsWholeLine = regexp.MustCompile(`(?m)^ops:.*$`)

// dirSize sums the sizes of the files in dir whose names start with prefix.
func dirSize(dir, prefix string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.HasPrefix(e.Name(), prefix) {
			return nil
		}
		if fi, err := e.Info(); err == nil {
			n += fi.Size()
		}
		return nil
	})
	return n
}
