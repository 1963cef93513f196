package scenario

import (
	"context"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// serve answers on a loopback port with handler until the test ends.
func serve(t *testing.T, handler fasthttp.RequestHandler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fasthttp.Server{Handler: handler}
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(func() { _ = s.Shutdown() })
	return ln.Addr().String()
}

// TestRunLoadOpenLoop: an open loop sends rate × duration requests, what
// Next says (path, key, body), and counts statuses overall and by kind.
func TestRunLoadOpenLoop(t *testing.T) {
	for _, precise := range []bool{false, true} {
		t.Run(pacing(precise), func(t *testing.T) { testRunLoadOpenLoop(t, precise) })
	}
}

// pacing names a subtest by its open loop's pacer.
func pacing(precise bool) string {
	if precise {
		return "precise"
	}
	return "paced"
}

func testRunLoadOpenLoop(t *testing.T, precise bool) {
	var got atomic.Int64
	var badKey atomic.Int64
	addr := serve(t, func(ctx *fasthttp.RequestCtx) {
		got.Add(1)
		if string(ctx.Request.Header.Peek("Authorization")) != "Bearer k" {
			badKey.Add(1)
		}
		if strings.HasSuffix(string(ctx.Path()), "/limited") {
			ctx.SetStatusCode(429)
			return
		}
		if !strings.Contains(string(ctx.PostBody()), "mock-gpt") {
			ctx.SetStatusCode(400)
		}
	})
	st, err := RunLoad(context.Background(), Load{Addr: addr, Rate: 400, Duration: 500 * time.Millisecond, Conns: 4, Precise: precise,
		Next: func(i int) Request {
			if i%4 == 0 {
				return Request{Path: "/limited", Key: "k", Kind: "limited"}
			}
			return Request{Key: "k", Kind: "chat"}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if st.Requests != 200 || got.Load() != 200 {
		t.Fatalf("sent %d, server saw %d; want 200 (400/s × 0.5 s)", st.Requests, got.Load())
	}
	if badKey.Load() != 0 {
		t.Errorf("%d requests without the bearer key", badKey.Load())
	}
	if st.Status[200] != 150 || st.Status[429] != 50 || st.OK() != 150 || st.Errors() != 50 {
		t.Errorf("statuses %s, OK %d, errors %d; want 200×150 429×50", st.StatusSummary(), st.OK(), st.Errors())
	}
	if k := st.Kinds["limited"]; k == nil || k.Requests != 50 || k.Status[429] != 50 {
		t.Errorf("kind limited: %+v", k)
	}
	if st.P(.5) <= 0 || st.P(.99) < st.P(.5) || st.Max() < st.P(.99) {
		t.Errorf("quantiles p50 %s p99 %s max %s", st.P(.5), st.P(.99), st.Max())
	}
}

// TestRunLoadStallCountsFromSchedule: a stalled target's queue shows in
// the latency (from the due time), and beyond a second of backlog due
// requests are counted missed, never silently dropped.
func TestRunLoadStallCountsFromSchedule(t *testing.T) {
	for _, precise := range []bool{false, true} {
		t.Run(pacing(precise), func(t *testing.T) { testRunLoadStall(t, precise) })
	}
}

func testRunLoadStall(t *testing.T, precise bool) {
	var n atomic.Int64
	addr := serve(t, func(ctx *fasthttp.RequestCtx) {
		if n.Add(1) == 1 {
			time.Sleep(300 * time.Millisecond) // the first request stalls its connection
		}
	})
	st, err := RunLoad(context.Background(), Load{Addr: addr, Rate: 100, Duration: 500 * time.Millisecond, Conns: 1, Precise: precise})
	if err != nil {
		t.Fatal(err)
	}
	if st.Requests+st.Missed != 50 {
		t.Fatalf("requests %d + missed %d, want 50", st.Requests, st.Missed)
	}
	// Requests due during the stall waited for the one connection: their
	// latency counts that wait, so the p50 is well above the service time.
	if st.P(.5) < 50*time.Millisecond || st.ServiceP(.5) > st.P(.5) {
		t.Errorf("p50 from schedule %s, service p50 %s: the stall's queue is hidden", st.P(.5), st.ServiceP(.5))
	}

	st, err = RunLoad(context.Background(), Load{Addr: addr, Rate: 1000, Duration: 50 * time.Millisecond, Conns: 1, Max: 20, Precise: precise})
	if err != nil || st.Requests != 20 || st.Missed != 0 {
		t.Errorf("Max 20: requests %d missed %d err %v", st.Requests, st.Missed, err)
	}
}

// TestRunLoadMissedAfterASecond: requests due more than a second before a
// connection frees up are counted missed (by kind too), never sent late
// or dropped silently.
func TestRunLoadMissedAfterASecond(t *testing.T) {
	for _, precise := range []bool{false, true} {
		t.Run(pacing(precise), func(t *testing.T) {
			var n atomic.Int64
			addr := serve(t, func(ctx *fasthttp.RequestCtx) {
				if n.Add(1) == 1 {
					time.Sleep(1400 * time.Millisecond) // the one connection stalls past a second
				}
			})
			st, err := RunLoad(context.Background(), Load{Addr: addr, Rate: 50, Duration: 2 * time.Second, Conns: 1, Precise: precise,
				Next: func(int) Request { return Request{Kind: "chat"} }})
			if err != nil {
				t.Fatal(err)
			}
			if st.Requests+st.Missed != 100 || st.Missed < 10 || st.Missed > 25 {
				t.Fatalf("requests %d + missed %d: want 100 in all, about 20 missed (due 0.0–0.4 s, free at 1.4 s)", st.Requests, st.Missed)
			}
			if k := st.Kinds["chat"]; k == nil || k.Missed != st.Missed {
				t.Errorf("kind chat: %+v, want its %d missed", k, st.Missed)
			}
		})
	}
}

func TestFindMetric(t *testing.T) {
	body := "# HELP go_goroutines x\n# TYPE go_goroutines gauge\ngo_goroutines_extra 3\ngo_goroutines 42\nfoo{a=\"b\"} 1\n"
	v, err := findMetric(strings.NewReader(body), "go_goroutines")
	if err != nil || v != 42 {
		t.Errorf("go_goroutines = %v, %v; want 42", v, err)
	}
	if _, err := findMetric(strings.NewReader(body), "absent"); err == nil {
		t.Error("an absent metric gave no error")
	}
}
