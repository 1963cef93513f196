package gateway

import (
	"errors"
	"io"
	"time"

	"github.com/tollgate-ai/tollgate/health"
	"github.com/valyala/fasthttp"
)

// streamBody is a streamed answer's body: the upstream's SSE events, a
// stage's answer or a pass-through stream. The handler hands it to fasthttp
// (ctx.SetBodyStream) and returns; the connection's own goroutine then
// writes the headers and calls WriteTo, which runs the relay there. No
// goroutine, pipe or copy buffer of its own: a stream holds the connection's
// goroutine and write buffer, which it holds anyway until the answer is
// written (gateway/buffers.go).
//
// fasthttp (v1.78, http.go writeBodyChunked) calls WriteTo with its chunk
// writer, which frames each Write as one chunk and flushes it to the socket
// at once: one event, one Write, so nothing is held back. A Write that fails
// (the client left, or stopped reading past server.stream_write_timeout)
// returns the error; fasthttp then closes the connection. After WriteTo it
// calls Close, and only Close when the body is never written (a HEAD
// request, headers that could not be written, a body replaced): Close then
// ends the stream in WriteTo's place. Either way endStream runs exactly once.
//
// fasthttp recovers a panic in WriteTo, but would neither end the stream
// (the admission slot, the deployment's in-flight count, the ledger record)
// nor tell the client: end does both.
type streamBody struct {
	s    *Server
	x    *Exchange
	cl   *streamClient
	d    *deployment        // its in-flight slot is given back at the end; nil for pass-through and a stage's answer
	resp *fasthttp.Response // the upstream's streamed answer; nil for a stage's answer
	kind streamKind

	// streamSSE: the scanner and the first event it read, and the
	// request's deadline.
	sc       *sseScanner
	first    []byte
	firstErr error
	deadline time.Time

	src EventSource // streamStage: the stage's event source

	sawDone bool // streamSSE: the upstream's end marker came
	started bool // WriteTo or Close ran: the other does nothing
}

type streamKind uint8

const (
	streamSSE   streamKind = iota // the upstream's SSE events, through the stages (relayEvent)
	streamStage                   // a stage's answer (relayAnswer)
	streamBytes                   // pass-through bytes, as they arrive (copyFlushing)
)

var (
	_ fasthttp.BodyWriterTo = (*streamBody)(nil)
	_ io.Closer             = (*streamBody)(nil)
)

// errStreamRead: fasthttp reads a body stream with Read only when it cannot
// use WriteTo; a streamBody is only written with WriteTo.
var errStreamRead = errors.New("a stream body is written with WriteTo, not read")

// startStream commits x's streamed answer: it captures the client
// connection (write deadlines, the watchdog) and the stream output of the
// client's API, and hands b to fasthttp, which runs it once the handler
// returned. From here on b owns x.
func (s *Server) startStream(ctx *fasthttp.RequestCtx, b *streamBody) {
	b.s = s
	x := b.x
	x.detached = true
	x.releaseForStream() // gateway/buffers.go
	b.cl = holdClient(ctx, x.rt.cfg.Server.StreamWriteTimeout)
	if b.kind != streamBytes {
		b.cl.out = streamOutputFor(x)
	}
	ctx.SetBodyStream(b, -1) // chunked
}

func (b *streamBody) SupportsBodyWriteTo() bool { return true }

func (b *streamBody) Read([]byte) (int, error) { return 0, errStreamRead }

// WriteTo relays the stream to w, fasthttp's chunk writer over the client
// connection, and ends it. It reports no error: fasthttp's chunk writer
// keeps the first failed write's and returns it itself (then closes the
// connection), and the relay ends the stream on it.
//
// The SSE relay's loop is here, not in a function of its own, and the
// frames below stay small: the connection's goroutine waits in the
// upstream read under them, and Go halves a waiting goroutine's stack
// (grown while the handler ran) at a GC only when it uses less than a
// quarter of it. Parked about 3.2 KiB deep over a plain-HTTP upstream, a
// stream keeps 8 KiB of stack, not 16 (a TLS upstream's reader is deeper).
func (b *streamBody) WriteTo(w io.Writer) (int64, error) {
	if b.started {
		return 0, nil
	}
	b.started = true
	defer b.end(w)
	switch b.kind {
	case streamStage:
		b.s.relayAnswer(w, b)
	case streamBytes:
		b.s.copyFlushing(w, b)
	default: // the upstream's SSE events (gateway/relay.go)
		b.cl.watch(b.upstreamBody())
		for ev, err := b.first, b.firstErr; ; ev, err = b.sc.next() {
			if len(ev) > 0 {
				if err = b.s.relayEvent(w, b, ev, err); err == errStreamCut {
					break
				}
			}
			if err != nil {
				b.s.relayEnded(w, b, err)
				break
			}
		}
	}
	return 0, nil
}

// end, deferred by WriteTo, recovers a panic of the relay and ends the
// stream.
func (b *streamBody) end(w io.Writer) {
	if r := recover(); r != nil {
		b.s.streamPanicked(r, w, b.x, b.cl, b.resp)
	}
	b.s.endStream(b)
}

// upstreamBody is the upstream's body stream, for the watchdog to close.
func (b *streamBody) upstreamBody() fasthttp.ReadCloserWithError {
	rc, _ := b.resp.BodyStream().(fasthttp.ReadCloserWithError)
	return rc
}

// Close ends a stream whose body fasthttp never wrote (after WriteTo it
// does nothing): the upstream or the stage's source is let go, and the
// request is accounted as one its client left.
func (b *streamBody) Close() error {
	if b.started {
		return nil
	}
	b.started = true
	switch b.kind {
	case streamSSE, streamBytes:
		_ = b.resp.CloseBodyStream()
	case streamStage:
		b.src.Close()
	}
	b.x.errKind = health.ErrClientCancel
	streamsCutClientGone.Inc()
	b.s.endStream(b)
	return nil
}
