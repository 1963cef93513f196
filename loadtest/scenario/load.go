package scenario

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// Request is one request of a load phase.
type Request struct {
	Method string // default POST
	Path   string // default /v1/chat/completions
	Body   []byte // default ChatBody
	Key    string // sent as Authorization: Bearer; empty = none
	Header map[string]string
	Kind   string // results are also split by it (Stats.Kinds): "cache-hit", "denied", …
}

// ChatBody is the small non-streaming chat of loadtest/chat.lua: the shape
// most gateway traffic has.
var ChatBody = []byte(`{"model":"mock-gpt","max_tokens":16,"messages":[{"role":"user","content":"Summarise the benefits of connection pooling in two sentences."}]}`)

// Load is one bounded load phase against Addr.
type Load struct {
	Addr     string        // host:port (loopback)
	Rate     int           // > 0: open loop at Rate requests/s (paced, no coordinated omission); 0: closed loop
	Duration time.Duration // how long to send (bounded to 10 minutes)
	Conns    int           // keep-alive connections = requests in flight at most (default 10)
	Max      int           // stop after this many requests (0 = only Duration bounds it)
	Next     func(i int) Request
	Timeout  time.Duration // per request (default 30 s)
	// Precise (open loop): each request leaves at its due time, give or take
	// the kernel's timer slack (about 50 µs), rather than on the Go runtime's
	// timer, which an idle process sleeps for in whole milliseconds (its
	// netpoller waits in ms): requests then leave 0–1 ms late, in bursts,
	// and that lateness, counted in every latency, swamps a difference of a
	// tenth of a millisecond between two targets. Each connection's worker
	// takes the next due request and waits for its time on a timer of its
	// own (a timerfd on Linux: sleeper).
	Precise bool
}

// maxSamples bounds the latencies kept per phase (about 160 MB at most).
const maxSamples = 10_000_000

// RunLoad sends l and returns its statistics. Open loop (Rate > 0): request
// i is due at start + i/Rate and its latency counts from then, so a stalled
// target cannot hide its queue; a request whose time comes while every
// connection is busy and a second's worth of requests already waits is not
// sent and counts as Missed (an error). Closed loop (Rate 0): each connection sends the next
// request as soon as the last answered, as wrk does.
func RunLoad(ctx context.Context, l Load) (*Stats, error) {
	if l.Addr == "" {
		return nil, errors.New("load: no Addr")
	}
	if l.Duration <= 0 && l.Max <= 0 {
		return nil, errors.New("load: needs a Duration or a Max")
	}
	l.Duration = min(l.Duration, 10*time.Minute)
	if l.Duration <= 0 {
		l.Duration = 10 * time.Minute
	}
	if l.Conns <= 0 {
		l.Conns = 10
	}
	if l.Timeout <= 0 {
		l.Timeout = 30 * time.Second
	}
	if l.Next == nil {
		l.Next = func(int) Request { return Request{} }
	}
	total := l.Max
	if l.Rate > 0 {
		n := int(int64(l.Rate) * int64(l.Duration) / int64(time.Second))
		if total <= 0 || n < total {
			total = n
		}
	}
	if total > maxSamples || total <= 0 {
		total = maxSamples
	}
	client := &fasthttp.HostClient{Addr: l.Addr, MaxConns: l.Conns, ReadTimeout: l.Timeout, WriteTimeout: l.Timeout,
		MaxIdleConnDuration: time.Minute}
	defer client.CloseIdleConnections()

	recs := make([]*recorder, l.Conns)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(l.Duration)
	ctx, cancel := context.WithDeadline(ctx, deadline.Add(l.Timeout))
	defer cancel()
	var interval time.Duration
	if l.Rate > 0 {
		interval = time.Second / time.Duration(l.Rate)
	}
	// Up to a second of due requests wait for a free connection (their
	// latency counts from their scheduled time, so the wait is measured);
	// beyond that the target, or the machine, has stalled: Missed.
	due := make(chan int, max(l.Conns, l.Rate))
	var next func() (int, bool) // closed loop: the next request number
	missed := map[string]int{}
	var missedMu sync.Mutex
	miss := func(i int) {
		kind := l.Next(i).Kind
		missedMu.Lock()
		missed[kind]++
		missedMu.Unlock()
	}
	var claimed atomic.Int64
	// claim is a precise open loop's next request: its number and due time.
	claim := func() (int, time.Time, bool) {
		for {
			i := int(claimed.Add(1) - 1)
			if i >= total || ctx.Err() != nil {
				return 0, time.Time{}, false
			}
			at := start.Add(time.Duration(i) * interval)
			// Due more than a second ago (every connection was busy that
			// long): not sent, as the paced loop's full queue does.
			if time.Since(at) > time.Second {
				miss(i)
				continue
			}
			return i, at, true
		}
	}
	if l.Rate == 0 {
		var mu sync.Mutex
		i := 0
		next = func() (int, bool) {
			mu.Lock()
			defer mu.Unlock()
			if i >= total || time.Now().After(deadline) || ctx.Err() != nil {
				return 0, false
			}
			i++
			return i - 1, true
		}
	}
	for w := range l.Conns {
		recs[w] = newRecorder()
		wg.Add(1)
		go func(rec *recorder) {
			defer wg.Done()
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			var sl *sleeper
			if l.Rate > 0 && l.Precise {
				sl = newSleeper()
				defer sl.close()
			}
			for {
				var i int
				var ok bool
				if sl != nil {
					var at time.Time
					if i, at, ok = claim(); ok {
						sl.until(at)
					}
				} else if next != nil {
					i, ok = next()
				} else {
					i, ok = <-due
				}
				if !ok {
					return
				}
				r := l.Next(i)
				fill(req, l.Addr, r)
				sent := time.Now()
				err := client.DoTimeout(req, resp, l.Timeout)
				done := time.Now()
				status := 0
				if err == nil {
					status = resp.StatusCode()
				}
				scheduled := sent
				if interval > 0 {
					scheduled = start.Add(time.Duration(i) * interval)
				}
				rec.add(r.Kind, status, done.Sub(scheduled), done.Sub(sent))
			}
		}(recs[w])
	}
	if l.Rate > 0 && !l.Precise {
	pace:
		for i := range total {
			at := start.Add(time.Duration(i) * interval)
			if d := time.Until(at); d > 0 {
				select {
				case <-time.After(d):
				case <-ctx.Done():
					break pace
				}
			}
			select {
			case due <- i:
			default:
				miss(i)
			}
		}
		close(due)
	}
	wg.Wait()
	st := mergeRecorders(recs, time.Since(start))
	for kind, n := range missed {
		st.Missed += n
		if kind != "" {
			st.kind(kind).Missed += n
		}
	}
	return st, ctx.Err()
}

func fill(req *fasthttp.Request, addr string, r Request) {
	req.Reset()
	method, path, body := r.Method, r.Path, r.Body
	if method == "" {
		method = fasthttp.MethodPost
	}
	if path == "" {
		path = "/v1/chat/completions"
	}
	if body == nil && method == fasthttp.MethodPost {
		body = ChatBody
	}
	req.Header.SetMethod(method)
	req.SetRequestURI("http://" + addr + path)
	if body != nil {
		req.Header.SetContentType("application/json")
		req.SetBodyRaw(body)
	}
	if r.Key != "" {
		req.Header.Set("Authorization", "Bearer "+r.Key)
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
}

// Stats are one load phase's figures. Latency is from each request's
// scheduled time in open loops (queueing included), from its sending in
// closed loops; Service is always from its sending.
type Stats struct {
	Requests int           // answered or failed (not Missed)
	Missed   int           // open loop: due while every connection was busy and 1 s of requests waited; counted as errors
	Status   map[int]int   // by HTTP status; 0 = transport error or timeout
	Elapsed  time.Duration // the phase's wall time
	Kinds    map[string]*Stats

	lat, svc []time.Duration // sorted
	// Summary figures for stats that come without samples (wrk).
	fixed map[string]time.Duration
}

// OK counts 2xx answers.
func (s *Stats) OK() int {
	n := 0
	for code, c := range s.Status {
		if code >= 200 && code < 300 {
			n += c
		}
	}
	return n
}

// Errors counts everything but 2xx: other statuses, transport errors, missed.
func (s *Stats) Errors() int { return s.Requests - s.OK() + s.Missed }

// RPS is answered requests per second of wall time.
func (s *Stats) RPS() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Requests) / s.Elapsed.Seconds()
}

// P is the q-quantile (0..1) of the latency.
func (s *Stats) P(q float64) time.Duration {
	if d, ok := s.fixed[fmt.Sprintf("p%g", q)]; ok {
		return d
	}
	return quantile(s.lat, q)
}

// ServiceP is the q-quantile of the time from sending to answer.
func (s *Stats) ServiceP(q float64) time.Duration { return quantile(s.svc, q) }

// Max is the slowest request's latency.
func (s *Stats) Max() time.Duration {
	if d, ok := s.fixed["max"]; ok {
		return d
	}
	if len(s.lat) == 0 {
		return 0
	}
	return s.lat[len(s.lat)-1]
}

// StatusSummary prints the statuses as "200×1234 429×5 err×1 missed×2".
func (s *Stats) StatusSummary() string {
	codes := make([]int, 0, len(s.Status))
	for c := range s.Status {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	var parts []string
	for _, c := range codes {
		name := fmt.Sprint(c)
		if c == 0 {
			name = "err"
		}
		parts = append(parts, fmt.Sprintf("%s×%d", name, s.Status[c]))
	}
	if s.Missed > 0 {
		parts = append(parts, fmt.Sprintf("missed×%d", s.Missed))
	}
	return strings.Join(parts, " ")
}

// KindNames lists the kinds seen, sorted.
func (s *Stats) KindNames() []string {
	out := make([]string, 0, len(s.Kinds))
	for k := range s.Kinds {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (s *Stats) kind(k string) *Stats {
	if s.Kinds == nil {
		s.Kinds = map[string]*Stats{}
	}
	ks, ok := s.Kinds[k]
	if !ok {
		ks = &Stats{Status: map[int]int{}}
		s.Kinds[k] = ks
	}
	return ks
}

// MergeStats pools phases (e.g. the repeats of one target) into one.
func MergeStats(all ...*Stats) *Stats {
	out := &Stats{Status: map[int]int{}}
	for _, s := range all {
		out.add(s)
	}
	out.sort()
	return out
}

func (s *Stats) add(o *Stats) {
	s.Requests += o.Requests
	s.Missed += o.Missed
	s.Elapsed += o.Elapsed
	for c, n := range o.Status {
		s.Status[c] += n
	}
	s.lat = append(s.lat, o.lat...)
	s.svc = append(s.svc, o.svc...)
	for k, ks := range o.Kinds {
		s.kind(k).add(ks)
	}
}

func (s *Stats) sort() {
	slices.Sort(s.lat)
	slices.Sort(s.svc)
	for _, ks := range s.Kinds {
		ks.sort()
	}
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q * float64(len(sorted)-1))
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// recorder is one worker's samples (no locks on the hot path).
type recorder struct{ st *Stats }

func newRecorder() *recorder { return &recorder{st: &Stats{Status: map[int]int{}}} }

func (r *recorder) add(kind string, status int, lat, svc time.Duration) {
	for _, s := range []*Stats{r.st, r.kindStats(kind)} {
		if s == nil {
			continue
		}
		s.Requests++
		s.Status[status]++
		if len(s.lat) < maxSamples {
			s.lat = append(s.lat, lat)
			s.svc = append(s.svc, svc)
		}
	}
}

func (r *recorder) kindStats(kind string) *Stats {
	if kind == "" {
		return nil
	}
	return r.st.kind(kind)
}

func mergeRecorders(recs []*recorder, elapsed time.Duration) *Stats {
	out := &Stats{Status: map[int]int{}}
	for _, r := range recs {
		out.add(r.st)
	}
	out.Elapsed = elapsed
	for _, ks := range out.Kinds {
		ks.Elapsed = elapsed
	}
	out.sort()
	return out
}
