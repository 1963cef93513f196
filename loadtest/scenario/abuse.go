package scenario

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func init() {
	Register(Scenario{Name: "abuse", Run: runAbuse, SmokeTimeout: 60 * time.Second,
		About: "slowloris, 10,000 slow-reading streams, oversized bodies, malformed JSON and invalid UTF-8, header floods: peak RSS and goroutines, and well-formed traffic's p99 against a clean run"})
}

// abuseYAML: a paced model for the held streams, a quick one for the
// well-formed traffic; small limits so the attacks hit them; no admission
// limit in the way of the streams (they are what is measured).
const abuseYAML = `
server: {max_in_flight: 0, max_body_bytes: 1048576, read_timeout: READ_TIMEOUT}
upstreams:
  - {name: slow, kind: openai, base_url: "http://MOCK/v1", max_conns: 30000, headers: {x-mock-tokens-per-sec: "TPS", x-mock-tokens: "100000"}}
  - {name: quick, kind: openai, base_url: "http://MOCK/v1"}
models:
  - name: mock-gpt
    deployments: [{upstream: quick}]
  - name: slow-gpt
    deployments: [{upstream: slow, model: mock-gpt}]
metering:
  ledger: "off"
`

var slowModelStream = []byte(`{"model":"slow-gpt","stream":true,"messages":[{"role":"user","content":"Tell me a very long story."}]}`)

// runAbuse measures well-formed traffic (open loop) on a clean gateway,
// then again while every attack runs at once, and reads RSS and goroutines
// all along. Checks: every attack got its JSON error (or was cut), the
// well-formed p99 stays within 2× the clean run's, and once the attacks
// end the goroutines come back down (nothing leaked).
// Settings (-set): streams=10000, ramp=300 (streams opened per second), slowloris=500, tps=0.2 (tokens/s per
// held stream), read_every=2s (a held stream's client reads 512 bytes), rate=200 (well-formed requests/s), phase=30s,
// bad_rate=100 (malformed requests/s), read_timeout=10s.
func runAbuse(ctx context.Context, env *Env, o Options) (*Result, error) {
	res := NewResult("abuse")
	limit, err := raiseFileLimit()
	if err != nil {
		return nil, err
	}
	streams := o.SetInt("streams", 10000)
	slowloris := o.SetInt("slowloris", 500)
	rate := o.Int(o.Rate, 200, 100)
	badRate := o.SetInt("bad_rate", 100)
	phase := durSetting(o, "phase", 30*time.Second, 2*time.Second)
	readTimeout := o.Str("read_timeout", "10s")
	if o.Smoke {
		streams, slowloris, badRate, readTimeout = 50, 20, 50, "1s"
	}
	// Two sockets per stream in the gateway, one per slowloris connection.
	if top := (int(limit) - 512 - slowloris) / 2; streams > top {
		res.Note("open-file limit %d (hard, this machine): %d held streams instead of %d (the gateway holds two sockets per stream)", limit, top, streams)
		streams = top
	}
	mock, err := env.StartMock()
	if err != nil {
		return nil, err
	}
	yaml := strings.NewReplacer("MOCK", mock.Addr, "TPS", o.Str("tps", "0.2"), "READ_TIMEOUT", readTimeout).Replace(abuseYAML)
	gw, err := env.StartGateway(yaml)
	if err != nil {
		return nil, err
	}
	mon := startMonitor(ctx, gw, time.Second, false)
	defer mon.stop()
	good := func() (*Stats, error) {
		return RunLoad(ctx, Load{Addr: gw.Addr, Rate: rate, Duration: phase, Conns: 10})
	}
	if _, err := RunLoad(ctx, Load{Addr: gw.Addr, Rate: rate, Duration: min(phase/2, 2*time.Second), Conns: 10}); err != nil {
		return nil, err // warm-up
	}
	clean, err := good()
	if err != nil {
		return nil, err
	}
	baseG, err := gw.Goroutines(ctx)
	if err != nil {
		return nil, err
	}
	baseRSS, _ := gw.RSS()

	// The attacks.
	held := &SlowStreams{Addr: gw.Addr, Body: slowModelStream, ReadEvery: durSetting(o, "read_every", 2*time.Second, 500*time.Millisecond)}
	defer held.Close()
	held.Start(ctx, streams, o.SetInt("ramp", 300))
	atk := newAttacks(gw.Addr)
	actx, stopAttacks := context.WithCancel(context.Background())
	defer stopAttacks()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); atk.slowloris(actx, slowloris) }()
	badKinds := []string{"malformed JSON", "invalid UTF-8", "not an object"}
	var bad *Stats
	wg.Add(1)
	go func() {
		defer wg.Done()
		bad, _ = RunLoad(actx, Load{Addr: gw.Addr, Rate: badRate, Duration: phase + 2*time.Second, Conns: 20, Next: abusiveRequest(badKinds)})
	}()
	// Oversized requests go over raw sockets: the gateway answers before
	// it has read them and closes, which an HTTP client that is still
	// writing reports as a broken pipe instead of the answer.
	floods := []*rawFlood{
		{kind: "body over the limit", want: 413, payload: oversizedBody()},
		{kind: "header flood (80 KiB of headers)", want: 431, payload: headerFlood()},
	}
	for _, f := range floods {
		wg.Add(1)
		go func() { defer wg.Done(); f.run(actx, gw.Addr, max(1, badRate/5), phase+2*time.Second) }()
	}
	time.Sleep(time.Second) // every attack under way
	during, err := good()
	if err != nil {
		return nil, err
	}
	peakRSS, peakG := mon.peak()
	openAtPeak := held.Open()
	stopAttacks()
	wg.Wait()
	held.Close()
	atk.wait()
	// Everything the attacks opened is gone: goroutines come back down.
	// A held stream notices its client left at its next event or the
	// watchdog's next look (1 s), whichever comes first.
	var afterG int
	ended := time.Now()
	for range 120 {
		time.Sleep(500 * time.Millisecond)
		if afterG, err = gw.Goroutines(ctx); err == nil && afterG <= baseG+50 {
			break
		}
	}
	settled := time.Since(ended)
	afterRSS, _ := gw.RSS()

	t := res.Table(fmt.Sprintf("Well-formed traffic: open loop, %d non-streaming chats/s over 10 connections, %s per run; the same again while the attacks run.", rate, phase),
		"run", "requests", "errors", "p50 ms", "p99 ms", "p99 / clean p99")
	t.Row("clean", clean.Requests, clean.Errors(), fmtFloat(ms(clean.P(.5))), fmtFloat(ms(clean.P(.99))), "1")
	ratio := float64(during.P(.99)) / float64(max(clean.P(.99), time.Microsecond))
	t.Row("under attack", during.Requests, during.Errors(), fmtFloat(ms(during.P(.5))), fmtFloat(ms(during.P(.99))), fmtFloat(ratio))

	a := res.Table("The attacks, all at once", "attack", "sent", "answers", "expected")
	a.Row(fmt.Sprintf("streams read slowly (%s token/s, %d bytes every %s)", o.Str("tps", "0.2"), held.ReadBytes, held.ReadEvery), streams,
		fmt.Sprintf("%d open at the peak, %d failed", openAtPeak, held.Failed()), "200, kept open")
	a.Row(fmt.Sprintf("slowloris (a header byte a second; read_timeout %s)", readTimeout), atk.lorisOpened.Load(),
		fmt.Sprintf("%d cut by the gateway (%d with a JSON error), %d open when the attack stopped", atk.lorisCut.Load(), atk.lorisJSON.Load(), atk.lorisOpened.Load()-atk.lorisCut.Load()),
		"cut after read_timeout, then reconnect")
	badOK := 0
	if bad != nil {
		for _, k := range badKinds {
			ks := bad.Kinds[k]
			if ks == nil {
				continue
			}
			a.Row(k, ks.Requests, ks.StatusSummary(), 400)
			badOK += ks.Requests - ks.Status[400]
		}
	}
	for _, f := range floods {
		a.Row(f.kind, f.sent.Load(), fmt.Sprintf("%d×%d in JSON, %d otherwise", f.json.Load(), f.want, f.sent.Load()-f.json.Load()), f.want)
		badOK += int(f.sent.Load() - f.json.Load())
	}
	r := res.Table("Gateway memory and goroutines", "when", "RSS MiB", "goroutines")
	r.Row("clean", fmtFloat(float64(baseRSS)/(1<<20)), baseG)
	r.Row("peak under attack", fmtFloat(float64(peakRSS)/(1<<20)), peakG)
	r.Row("after the attacks ended", fmtFloat(float64(afterRSS)/(1<<20)), afterG)

	res.Value("peak_rss_mib", float64(peakRSS)/(1<<20))
	res.Value("peak_goroutines", float64(peakG))
	res.Value("clean_p99_ms", ms(clean.P(.99)))
	res.Value("attack_p99_ms", ms(during.P(.99)))
	res.Value("p99_ratio", ratio)
	res.Value("streams_held", float64(openAtPeak))

	errs := during.Errors()
	if o.Smoke {
		errs -= during.Missed // not sent on time: a busy machine's, not the gateway's
	}
	res.Check("well-formed traffic: no errors under attack", errs == 0, 0, during.StatusSummary())
	if !o.Smoke { // a smoke under go test asserts no wall-clock figures
		res.Check("well-formed p99 under attack ≤ 2× the clean run's", ratio <= 2, "≤ 2", fmtFloat(ratio))
	}
	res.Check("held streams all opened and stayed open", held.Failed() == 0 && openAtPeak == int64(streams), streams,
		fmt.Sprintf("%d open, %d failed %s", openAtPeak, held.Failed(), held.FirstError()))
	res.Check("every malformed, oversized or flooding request got its JSON error", bad != nil && badOK == 0 && bad.Requests > 0 && floods[0].sent.Load() > 0, "0 otherwise", badOK)
	res.Check("slowloris connections were cut", atk.lorisOpened.Load() > 0 && atk.lorisCut.Load() > 0, "> 0", atk.lorisCut.Load())
	res.Check("goroutines back within 50 of the clean run's within a minute of the attacks' end", afterG <= baseG+50, fmt.Sprintf("≤ %d", baseG+50),
		fmt.Sprintf("%d after %s", afterG, settled.Round(100*time.Millisecond)))
	res.Note("peak RSS %.0f MiB with %d streams held open (%.1f KiB per stream over the clean run's RSS)", float64(peakRSS)/(1<<20), openAtPeak,
		float64(peakRSS-baseRSS)/float64(max(openAtPeak, 1))/1024)
	return res, nil
}

// abusiveRequest cycles through the malformed kinds.
func abusiveRequest(kinds []string) func(i int) Request {
	return func(i int) Request {
		k := kinds[i%len(kinds)]
		switch k {
		case "malformed JSON":
			return Request{Kind: k, Body: []byte(`{"model":"mock-gpt","messages":[{"role":"user","content":"unterminated`)}
		case "invalid UTF-8":
			return Request{Kind: k, Body: []byte("{\"model\":\"mock-gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"bad \xff\xfe bytes\"}]}")}
		default:
			return Request{Kind: k, Body: []byte(`[1,2,3]`)}
		}
	}
}

// oversizedBody is a chat request announcing 2 MiB (max_body_bytes is 1 MiB).
func oversizedBody() []byte {
	body := bytes.Repeat([]byte("a"), 2<<20)
	return append([]byte("POST /v1/chat/completions HTTP/1.1\r\nHost: tollgate\r\nContent-Type: application/json\r\nContent-Length: "+
		strconv.Itoa(len(body))+"\r\n\r\n"), body...)
}

// headerFlood is a request with 80 KiB of headers (read_buffer_bytes is 64 KiB).
func headerFlood() []byte {
	b := []byte("POST /v1/chat/completions HTTP/1.1\r\nHost: tollgate\r\n")
	for i := range 80 {
		b = append(b, "X-Flood-"+strconv.Itoa(i)+": "+strings.Repeat("f", 1000)+"\r\n"...)
	}
	return append(b, "Content-Length: 2\r\n\r\n{}"...)
}

// rawFlood sends payload on a fresh connection at rate and counts the
// answers that are the wanted status with an OpenAI error body.
type rawFlood struct {
	kind       string
	want       int
	payload    []byte
	sent, json atomic.Int64
}

func (f *rawFlood) run(ctx context.Context, addr string, rate int, d time.Duration) {
	var wg sync.WaitGroup
	defer wg.Wait()
	start := time.Now()
	for i := 0; time.Since(start) < d; i++ {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate)))):
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				return
			}
			defer c.Close()
			f.sent.Add(1)
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			go func() { _, _ = c.Write(f.payload) }() // fails once the gateway answers and closes
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				return
			}
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			if resp.StatusCode == f.want && bytes.HasPrefix(b, []byte(`{"error":{`)) && resp.Header.Get("Content-Type") == "application/json" {
				f.json.Add(1)
			}
		}()
	}
}

// attacks are the raw-socket attacks.
type attacks struct {
	addr                             string
	lorisOpened, lorisCut, lorisJSON atomic.Int64
	wg                               sync.WaitGroup
}

func newAttacks(addr string) *attacks { return &attacks{addr: addr} }

func (a *attacks) wait() { a.wg.Wait() }

// slowloris opens n connections that send a request's headers a byte a
// second and never finish them, until the gateway cuts them or ctx ends.
func (a *attacks) slowloris(ctx context.Context, n int) {
	for i := range n {
		if ctx.Err() != nil {
			return
		}
		a.wg.Add(1)
		go a.loris(ctx, i)
		time.Sleep(2 * time.Millisecond)
	}
}

func (a *attacks) loris(ctx context.Context, i int) {
	defer a.wg.Done()
	for ctx.Err() == nil { // cut, it comes back, as slowloris does
		a.lorisOnce(ctx, i)
	}
}

func (a *attacks) lorisOnce(ctx context.Context, i int) {
	c, err := net.DialTimeout("tcp", a.addr, 5*time.Second)
	if err != nil {
		time.Sleep(100 * time.Millisecond)
		return
	}
	defer c.Close()
	a.lorisOpened.Add(1)
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	defer stop()
	head := []byte("POST /v1/chat/completions HTTP/1.1\r\nHost: tollgate\r\nContent-Type: application/json\r\nX-Slow-" + strconv.Itoa(i) + ": ")
	if _, err := c.Write(head); err != nil {
		return
	}
	got := make(chan []byte, 1)
	go func() { // the gateway's answer, if any, when it cuts the connection
		b, _ := io.ReadAll(io.LimitReader(c, 4096))
		got <- b
	}()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case b := <-got:
			if ctx.Err() != nil {
				return
			}
			a.lorisCut.Add(1)
			if bytes.Contains(b, []byte(`{"error":`)) {
				a.lorisJSON.Add(1)
			}
			return
		case <-tick.C:
			if _, err := c.Write([]byte("x")); err != nil {
				if ctx.Err() == nil {
					a.lorisCut.Add(1)
				}
				return
			}
		}
	}
}

// monitor samples a process's RSS and goroutines and keeps the peaks.
type monitor struct {
	mu          sync.Mutex
	rss         int64
	goroutines  int
	cancel      context.CancelFunc
	done        chan struct{}
	samples     []monitorSample
	keepSamples bool
}

type monitorSample struct {
	at         time.Duration
	rss        int64
	goroutines int
	files      int
}

// keep: also keep every sample (the soak's slopes).
func startMonitor(ctx context.Context, p *Proc, every time.Duration, keep bool) *monitor {
	ctx, cancel := context.WithCancel(ctx)
	m := &monitor{cancel: cancel, done: make(chan struct{}), keepSamples: keep}
	start := time.Now()
	go func() {
		defer close(m.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			rss, _ := p.RSS()
			g, _ := p.Goroutines(ctx)
			files, _ := p.OpenFiles()
			m.mu.Lock()
			m.rss, m.goroutines = max(m.rss, rss), max(m.goroutines, g)
			if m.keepSamples {
				m.samples = append(m.samples, monitorSample{at: time.Since(start), rss: rss, goroutines: g, files: files})
			}
			m.mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return m
}

func (m *monitor) peak() (int64, int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rss, m.goroutines
}

func (m *monitor) stop() {
	m.cancel()
	<-m.done
}
