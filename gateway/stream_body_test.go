package gateway

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/valyala/fasthttp"
)

// A streamed answer's body as fasthttp itself writes it: through
// Response.Write, the same call the server makes on the connection's
// goroutine, into a writer that logs each Write the connection's buffered
// writer makes, i.e. each flush.

// eventList is a stage's event source over fixed events; it records Close
// and panics at event panicAt (1-based; 0 = never).
type eventList struct {
	evs     []string
	panicAt int
	served  int
	closed  atomic.Bool
}

func (e *eventList) Next() ([]byte, error) {
	if e.served == len(e.evs) {
		return nil, io.EOF
	}
	e.served++
	if e.served == e.panicAt {
		panic("injected stage failure")
	}
	return []byte(e.evs[e.served-1]), nil
}

func (e *eventList) Close() { e.closed.Store(true) }

// flushLog is the client connection below the buffered writer: one entry
// per flush.
type flushLog struct{ writes []string }

func (f *flushLog) Write(p []byte) (int, error) {
	f.writes = append(f.writes, string(p))
	return len(p), nil
}

// stageStream starts src as a stage's streamed answer, admitted as handle
// admits it, on a RequestCtx over a pipe (for the write deadlines), and
// returns the ctx to write.
func stageStream(t *testing.T, src EventSource) (*Server, *fasthttp.RequestCtx) {
	t.Helper()
	cfg, err := config.Parse([]byte(`
upstreams: [{name: up, kind: openai, base_url: "http://127.0.0.1:1/v1"}]
models: [{name: m, deployments: [{upstream: up}]}]
`), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(cfg, Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	c1, c2 := net.Pipe()
	t.Cleanup(func() { c1.Close(); c2.Close() })
	ctx := new(fasthttp.RequestCtx)
	ctx.Init2(c1, nil, true)
	if !s.admission.enter(0) {
		t.Fatal("not admitted")
	}
	x := acquireExchange()
	x.rt, x.status, x.answeredBy = s.rt.Load(), 200, "test"
	ctx.Response.Header.SetContentType("text/event-stream")
	s.startStream(ctx, &streamBody{x: x, kind: streamStage, src: src})
	return s, ctx
}

// writeResponse writes ctx's response as the server does, then flushes
// what fasthttp leaves buffered (the last chunk): the flushes it made.
func writeResponse(t *testing.T, ctx *fasthttp.RequestCtx) []string {
	t.Helper()
	var log flushLog
	bw := bufio.NewWriterSize(&log, 4096)
	if err := ctx.Response.Write(bw); err != nil {
		t.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	return log.writes
}

func chunk(ev string) string { return fmt.Sprintf("%x\r\n%s\r\n", len(ev), ev) }

// TestStreamBodyFlushesEachEvent: every event leaves in a flush of its
// own, as one chunk, the first together with the headers; nothing is held
// back for the next. Then the stream ends once: its source closed, its
// admission slot given back.
func TestStreamBodyFlushesEachEvent(t *testing.T) {
	evs := []string{"data: {\"a\":1}\n\n", "data: {\"b\":2}\n\n", "data: {\"c\":3}\n\n", "data: [DONE]\n\n"}
	src := &eventList{evs: evs}
	s, ctx := stageStream(t, src)
	writes := writeResponse(t, ctx)
	if len(writes) != len(evs)+1 {
		t.Fatalf("%d flushes for %d events, want one each and the end: %q", len(writes), len(evs), writes)
	}
	if !strings.HasPrefix(writes[0], "HTTP/1.1 200") || !strings.HasSuffix(writes[0], "\r\n\r\n"+chunk(evs[0])) {
		t.Fatalf("first flush %q: want the headers and the first event's chunk", writes[0])
	}
	for i, ev := range evs[1:] {
		if writes[i+1] != chunk(ev) {
			t.Fatalf("flush %d = %q, want event %d alone: %q", i+1, writes[i+1], i+1, chunk(ev))
		}
	}
	if writes[len(evs)] != "0\r\n\r\n" {
		t.Fatalf("last flush %q, want the end of the chunked body", writes[len(evs)])
	}
	if !src.closed.Load() || s.InFlight() != 0 {
		t.Fatalf("after the stream: source closed %v, in flight %d", src.closed.Load(), s.InFlight())
	}
}

// TestStreamBodyNeverWritten: a body fasthttp does not write (a HEAD
// request's, here) still ends its stream once, through Close: the source
// is closed, the slot given back, the client counted as gone; a WriteTo
// after it writes nothing.
func TestStreamBodyNeverWritten(t *testing.T) {
	src := &eventList{evs: []string{"data: {}\n\n"}}
	s, ctx := stageStream(t, src)
	b := ctx.Response.BodyStream().(*streamBody)
	before := streamsCutClientGone.Get()
	ctx.Response.SkipBody = true
	writes := writeResponse(t, ctx)
	if len(writes) != 1 || strings.Contains(writes[0], "data:") {
		t.Fatalf("flushes %q: want the headers alone", writes)
	}
	if !src.closed.Load() || src.served != 0 || s.InFlight() != 0 || streamsCutClientGone.Get() != before+1 {
		t.Fatalf("source closed %v after %d events, in flight %d, client_gone +%d",
			src.closed.Load(), src.served, s.InFlight(), streamsCutClientGone.Get()-before)
	}
	var buf bytes.Buffer
	if n, err := b.WriteTo(&buf); n != 0 || err != nil || buf.Len() != 0 || src.served != 0 {
		t.Fatalf("WriteTo after Close: %d, %v, %q", n, err, buf.String())
	}
}

// TestStreamBodyPanicEndsWithErrorEvent: a panic while the stream is
// relayed (on the connection's goroutine, below fasthttp's own recover)
// ends it with an internal_error event after what was sent, ends the
// stream once, and counts the panic.
func TestStreamBodyPanicEndsWithErrorEvent(t *testing.T) {
	src := &eventList{evs: []string{"data: {\"a\":1}\n\n", "data: {\"b\":2}\n\n", "data: [DONE]\n\n"}, panicAt: 2}
	s, ctx := stageStream(t, src)
	before := panicsStream.Get()
	writes := writeResponse(t, ctx)
	if len(writes) != 3 || !strings.HasSuffix(writes[0], chunk(src.evs[0])) ||
		!strings.Contains(writes[1], `"code":"internal_error"`) || writes[2] != "0\r\n\r\n" {
		t.Fatalf("flushes %q: want the first event, an internal_error event, the end", writes)
	}
	if !src.closed.Load() || s.InFlight() != 0 || panicsStream.Get() != before+1 {
		t.Fatalf("source closed %v, in flight %d, panics +%d", src.closed.Load(), s.InFlight(), panicsStream.Get()-before)
	}
}

// TestDialForStreamDialsApart: the stream pool's dials run on a goroutine
// of their own (the connection's goroutine keeps a small stack for the
// stream's life), the buffered pool's in place; a dial's error, or its
// panic, comes back as the dial's error.
func TestDialForStreamDialsApart(t *testing.T) {
	goid := func() string {
		b := make([]byte, 64)
		return string(bytes.Fields(b[:runtime.Stack(b, false)])[1]) // "goroutine N [running]:"
	}
	var on string
	refused := errors.New("refused")
	dial := func(string, time.Duration) (net.Conn, error) { on = goid(); return nil, refused }
	if _, err := dialFor(true, dial, "up:80", time.Second); err != refused || on == goid() {
		t.Fatalf("stream pool: err %v, dialed on goroutine %s, the caller is %s", err, on, goid())
	}
	if _, err := dialFor(false, dial, "up:80", time.Second); err != refused || on != goid() {
		t.Fatalf("buffered pool: err %v, dialed on goroutine %s, the caller is %s", err, on, goid())
	}
	boom := func(string, time.Duration) (net.Conn, error) { panic("resolver bug") }
	if _, err := dialFor(true, boom, "up:80", time.Second); err == nil || !strings.Contains(err.Error(), "panicked") {
		t.Fatalf("a panicking dial: %v", err)
	}
}
