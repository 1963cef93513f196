package gateway_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/tollgate-ai/tollgate/metering/tokenizer"
	"github.com/tollgate-ai/tollgate/mockllm"
)

// guardedGateway serves yml with a ledger (records readable at once with
// ledgerRecords), the tokenizer (so a cut stream's relayed text is
// counted) and the pipeline stages in st. It returns the /v1 base URL and
// the ledger's dir.
func guardedGateway(t *testing.T, yml string, vars map[string]string, st gateway.Stages) (string, string, *gateway.Server) {
	t.Helper()
	tokens, err := tokenizer.New(tokenizer.Options{DefaultEncoding: tokenizer.O200KBase})
	if err != nil {
		t.Fatal(err)
	}
	ledger, dir := testLedger(t)
	st.Tokens, st.Ledger = tokens, ledger
	gw, err := gateway.New(parseConfig(t, yml, vars), gateway.Options{Stages: st})
	if err != nil {
		t.Fatal(err)
	}
	return serveGateway(t, gw) + "/v1", dir, gw
}

// readLedger reads the records the ledger has written so far (its day files, in write order).
func readLedger(dir string) []metering.Record {
	var out []metering.Record
	_, _, _ = metering.ReadLedger(dir, time.Time{}, time.Time{}, func(r *metering.Record) error {
		out = append(out, *r)
		return nil
	})
	return out
}

// ledgerRecordTagged waits (bounded) for the ledger record tagged case=tag.
func ledgerRecordTagged(t *testing.T, dir, tag string) metering.Record {
	t.Helper()
	var rec metering.Record
	waitFor(t, "the ledger record of "+tag, func() bool {
		for _, r := range readLedger(dir) {
			if r.Tags["case"] == tag {
				rec = r
				return true
			}
		}
		return false
	})
	return rec
}

// counterValue reads a tollgate_* counter from the process's metrics.
func counterValue(t *testing.T, series string) float64 {
	t.Helper()
	var b bytes.Buffer
	metrics.WritePrometheus(&b, false)
	for _, line := range strings.Split(b.String(), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	return 0
}

// waitUpTo polls cond for up to d: for outcomes bounded by a configured
// timeout rather than by "at once".
func waitUpTo(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(d); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("not within %s: %s", d, what)
		}
	}
}

const slowClientConfig = `
server: {stream_write_timeout: 1s}
upstreams: [{name: u, kind: openai, base_url: "{{U}}", headers: {x-mock-tokens: "100000"}}]
models: [{name: m, deployments: [{upstream: u, model: mock-gpt}]}]
`

// stalledReader opens a stream over a raw TCP connection with a small
// receive buffer, reads a few bytes of it and then never reads again:
// a client that stopped reading without hanging up.
func stalledReader(t *testing.T, base, tag string) net.Conn {
	t.Helper()
	host := strings.TrimSuffix(strings.TrimPrefix(base, "http://"), "/v1")
	c, err := net.DialTimeout("tcp", host, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.(*net.TCPConn).SetReadBuffer(4096); err != nil {
		t.Fatal(err)
	}
	body := `{"model":"m","stream":true,"max_tokens":100000,"messages":[{"role":"user","content":"a very long story"}]}`
	req := "POST /v1/chat/completions HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\n" +
		"X-Tollgate-Tags: case=" + tag + "\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	var head [200]byte
	if _, err := io.ReadFull(c, head[:]); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(head[:], []byte("HTTP/1.1 200")) {
		t.Fatalf("response starts %q", head[:])
	}
	return c
}

// TestSlowClientStreamIsCut (issue 10 item 3): a client that stops reading
// loses its stream after server.stream_write_timeout (as reloaded); the upstream is
// cancelled (its connection released), the cut is counted, and what was
// relayed is billed with the client-aborted flag.
func TestSlowClientStreamIsCut(t *testing.T) {
	mockURL, mock := startMock(t, mockllm.Options{})
	vars := map[string]string{"U": mockURL}
	// Started with a write timeout no test would wait out: the reload to 1 s
	// must apply to the next stream.
	base, dir, gw := guardedGateway(t, strings.Replace(slowClientConfig, "1s", "1h", 1), vars, gateway.Stages{})
	if err := gw.Reload(parseConfig(t, slowClientConfig, vars)); err != nil {
		t.Fatal(err)
	}
	series := `tollgate_streams_cut_total{reason="slow_client"}`
	before := counterValue(t, series)
	stalledReader(t, base, "slow")
	stalled := time.Now()
	waitUpTo(t, 20*time.Second, "the upstream stream cancelled and released", func() bool {
		s := mock.Stats()
		return s.StreamsCancelled == 1 && s.InFlight == 0
	})
	t.Logf("stream cut and upstream released %s after the client stopped reading", time.Since(stalled).Round(time.Millisecond))
	if s := mock.Stats(); s.StreamsCompleted != 0 {
		t.Fatalf("the stream ran to its end for a client that stopped reading: %+v", s)
	}
	if got := counterValue(t, series); got < before+1 {
		t.Fatalf("%s = %v, want at least %v", series, got, before+1)
	}
	rec := ledgerRecordTagged(t, dir, "slow")
	if rec.Flags&metering.FlagClientAborted == 0 || rec.CompletionTokens == 0 || rec.Status != 200 {
		t.Fatalf("ledger record of the cut stream: flags %v, completion tokens %d, status %d; want client-aborted, the relayed tokens, 200",
			rec.Flags, rec.CompletionTokens, rec.Status)
	}
}

// TestShutdownNotHeldBySlowClient: graceful shutdown (no deadline of its
// own here) ends once the stalled stream is cut, not never.
func TestShutdownNotHeldBySlowClient(t *testing.T) {
	mockURL, mock := startMock(t, mockllm.Options{})
	base, _, gw := guardedGateway(t, slowClientConfig, map[string]string{"U": mockURL}, gateway.Stages{})
	stalledReader(t, base, "shutdown")
	done := make(chan error, 1)
	go func() { done <- gw.Shutdown(context.Background()) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("shutdown still waiting on a stream whose client stopped reading")
	}
	// The cut stream's writer has finished (its ledger record sent) before
	// Shutdown returns: the app closes the ledger next, and a later record
	// would go to the spool (it did, and the test's temp dir failed to go).
	if n := gw.InFlight(); n != 0 {
		t.Fatalf("%d requests still in flight after Shutdown returned", n)
	}
	waitUpTo(t, 5*time.Second, "the upstream released", func() bool { return mock.Stats().InFlight == 0 })
}

// TestStreamWriteDeadlineClearedForNextRequest: the per-write deadline of a
// stream must not outlive it on a keep-alive connection.
func TestStreamWriteDeadlineClearedForNextRequest(t *testing.T) {
	mockURL, _ := startMock(t, mockllm.Options{})
	base, _ := startGateway(t, `
server: {stream_write_timeout: 300ms}
upstreams: [{name: u, kind: openai, base_url: "{{U}}"}]
models: [{name: m, deployments: [{upstream: u, model: mock-gpt}]}]
`, map[string]string{"U": mockURL})
	client := &http.Client{Timeout: 10 * time.Second}
	var reused atomic.Bool
	post := func(body string) string {
		req, _ := http.NewRequest(http.MethodPost, base+"/chat/completions", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req = req.WithContext(httptrace.WithClientTrace(req.Context(),
			&httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { reused.Store(i.Reused) }}))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("status %d, %v: %s", resp.StatusCode, err, b)
		}
		return string(b)
	}
	if out := post(streamBody); !strings.Contains(out, "[DONE]") {
		t.Fatalf("stream: %s", out)
	}
	time.Sleep(600 * time.Millisecond) // past the stream's last write deadline
	post(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`)
	if !reused.Load() {
		t.Fatal("the second request did not reuse the keep-alive connection; the test proves nothing")
	}
}

// startSilentStream runs an upstream that answers any POST with one SSE
// event and then says nothing (no keep-alive comments either) until the
// gateway hangs up, which it counts. It returns the base URL (with /v1).
func startSilentStream(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	var hungUp atomic.Int64
	ln := listenLoopback(t)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, `data: {"id":"s","object":"chat.completion.chunk","model":"silent","choices":[{"index":0,"delta":{"role":"assistant","content":"Once"}}]}`+"\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
			hungUp.Add(1)
		case <-time.After(30 * time.Second):
		}
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String() + "/v1", &hungUp
}

// readFirstEventThenHangUp opens a stream, reads its first event and
// closes the connection.
func readFirstEventThenHangUp(t *testing.T, url, body, tag string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Tollgate-Tags", "case="+tag)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(resp.Body).ReadString('\n'); err != nil || !strings.HasPrefix(line, "data: ") {
		t.Fatalf("first line %q, %v", line, err)
	}
	resp.Body.Close()
}

// TestClientLeavingStalledStreamIsNotAnUpstreamTimeout (issue 10, "also
// seen"): a client that hangs up while the upstream is silent mid-stream is
// noticed within seconds (not at the 20 s idle timeout), the upstream is
// cancelled, and the request is a client cancel, not the deployment's
// timeout.
func TestClientLeavingStalledStreamIsNotAnUpstreamTimeout(t *testing.T) {
	upURL, hungUp := startSilentStream(t)
	base, dir, _ := guardedGateway(t, `
upstreams: [{name: u, kind: openai, base_url: "{{U}}", stream_usage: "off", timeouts: {idle: 20s}}]
models: [{name: m, deployments: [{upstream: u, model: silent}]}]
`, map[string]string{"U": upURL}, gateway.Stages{})
	readFirstEventThenHangUp(t, base+"/chat/completions", streamBody, "left")
	waitFor(t, "the silent upstream hung up on", func() bool { return hungUp.Load() == 1 })
	rec := ledgerRecordTagged(t, dir, "left")
	if rec.Flags&metering.FlagClientAborted == 0 {
		t.Fatalf("flags %v: the departure was not recorded as the client's", rec.Flags)
	}
}

// TestIdleTimeoutAfterClientLeftIsClientCancel: when the upstream idle
// timeout fires before the watchdog's first look, the client is still
// checked before the upstream is blamed.
func TestIdleTimeoutAfterClientLeftIsClientCancel(t *testing.T) {
	upURL, _ := startSilentStream(t)
	base, dir, _ := guardedGateway(t, `
upstreams: [{name: u, kind: openai, base_url: "{{U}}", stream_usage: "off", timeouts: {idle: 600ms}}]
models: [{name: m, deployments: [{upstream: u, model: silent}]}]
`, map[string]string{"U": upURL}, gateway.Stages{})
	readFirstEventThenHangUp(t, base+"/chat/completions", streamBody, "idle-left")
	if rec := ledgerRecordTagged(t, dir, "idle-left"); rec.Flags&metering.FlagClientAborted == 0 {
		t.Fatalf("flags %v: an idle timeout after the client left was blamed on the upstream", rec.Flags)
	}
}

// TestPassthroughClientLeavingStalledStream: the pass-through copy notices a
// departed client the same way.
func TestPassthroughClientLeavingStalledStream(t *testing.T) {
	upURL, hungUp := startSilentStream(t)
	base, _ := startGateway(t, `
upstreams: [{name: raw, kind: openai, base_url: "{{U}}", timeouts: {idle: 20s}}]
routes: [{prefix: /raw/, upstream: raw, strip_prefix: true}]
`, map[string]string{"U": strings.TrimSuffix(upURL, "/v1")})
	readFirstEventThenHangUp(t, strings.TrimSuffix(base, "/v1")+"/raw/generate_stream", `{"inputs":"hi"}`, "pt")
	waitFor(t, "the silent upstream hung up on", func() bool { return hungUp.Load() == 1 })
}

// TestPanicInStreamStageEndsStreamWithErrorEvent (issue 10 item 14): a
// panic in a stage running on the stream writer (here a stage's stream
// filter) no
// longer kills the process: the client gets an error event in OpenAI's
// shape, the upstream is cancelled, the panic is counted, the request is
// still accounted once, and the gateway keeps serving.
func TestPanicInStreamStageEndsStreamWithErrorEvent(t *testing.T) {
	mockURL, mock := startMock(t, mockllm.Options{})
	var armed atomic.Bool
	armed.Store(true)
	var seen atomic.Int32
	stage := &panickyFilter{armed: &armed, seen: &seen}
	base, dir, _ := guardedGateway(t, `
upstreams: [{name: u, kind: openai, base_url: "{{U}}", headers: {x-mock-tokens: "100000", x-mock-tokens-per-sec: "2000"}}]
models: [{name: m, deployments: [{upstream: u, model: mock-gpt}]}]
`, map[string]string{"U": mockURL}, gateway.Stages{Filters: stage})
	series := `tollgate_panics_total{where="stream"}`
	before := counterValue(t, series)
	req, _ := http.NewRequest(http.MethodPost, base+"/chat/completions", strings.NewReader(streamBody))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Tollgate-Tags", "case=panic")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("the stream was not ended cleanly: %v (%q)", err, b)
	}
	events := strings.Split(strings.TrimSpace(string(b)), "\n\n")
	last := events[len(events)-1]
	var e struct {
		Error struct{ Message, Type, Code string }
	}
	if len(events) != 3 || json.Unmarshal([]byte(strings.TrimPrefix(last, "data: ")), &e) != nil ||
		e.Error.Code != "internal_error" || e.Error.Type != "server_error" {
		t.Fatalf("want 2 events then an internal_error event, got %d events, last %q", len(events), last)
	}
	waitFor(t, "the upstream cancelled", func() bool { s := mock.Stats(); return s.StreamsCancelled == 1 && s.InFlight == 0 })
	if got := counterValue(t, series); got != before+1 {
		t.Fatalf("%s = %v, want %v", series, got, before+1)
	}
	if rec := ledgerRecordTagged(t, dir, "panic"); rec.Status != 500 || rec.CompletionTokens == 0 {
		t.Fatalf("ledger record: status %d, completion tokens %d", rec.Status, rec.CompletionTokens)
	}
	armed.Store(false)
	if ev := readSSE(t, base+"/chat/completions", `{"model":"m","stream":true,"max_tokens":5,"messages":[{"role":"user","content":"hi"}]}`); ev[len(ev)-1] != "[DONE]" {
		t.Fatal(fmt.Sprint("the gateway stopped serving streams after the panic: ", ev))
	}
	// Accounted exactly once: the follow-up's record lands after any
	// duplicate of the panicked one would have.
	waitFor(t, "the follow-up's ledger record", func() bool { return len(readLedger(dir)) >= 2 })
	if recs := readLedger(dir); len(recs) != 2 {
		t.Fatalf("%d ledger records for 2 requests: the panicked stream was accounted more than once", len(recs))
	}
}

// panickyFilter is a stage whose stream filter panics on the third event
// while armed.
type panickyFilter struct {
	armed *atomic.Bool
	seen  *atomic.Int32
}

var (
	_ gateway.StreamInspector = (*panickyFilter)(nil)
	_ gateway.StreamFilter    = (*panickyFilter)(nil)
)

func (p *panickyFilter) Name() string                                    { return "panicky" }
func (p *panickyFilter) InspectStream(gateway.View) gateway.StreamFilter { return p }
func (p *panickyFilter) Flush(*gateway.Events) *gateway.APIError         { return nil }
func (p *panickyFilter) Event(ev []byte, out *gateway.Events) *gateway.APIError {
	if p.armed.Load() && p.seen.Add(1) == 3 {
		panic("injected stage failure")
	}
	out.Emit(ev)
	return nil
}
