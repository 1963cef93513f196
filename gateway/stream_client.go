package gateway

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// clientWatchEvery is how often a stream whose upstream is silent checks
// whether its client hung up.
const clientWatchEvery = time.Second

// streamClient is a stream writer's hold on its client connection. The
// handler captures it (the writer must not touch ctx, which fasthttp is
// writing), and the writer uses it to:
//   - bound every write with a deadline (server.stream_write_timeout), so a
//     client that stops reading cannot hold the stream, its upstream
//     connection, its reservation and graceful shutdown forever: fasthttp's
//     server has no write timeout, since one would cut long streams;
//   - notice a client that left while the upstream is silent (a watchdog
//     timer that peeks the connection), instead of waiting for the upstream
//     idle timeout and blaming the deployment for it.
//
// Pooled: one per live stream, with its one timer.
type streamClient struct {
	conn         net.Conn
	out          streamOutput // nil, or the client's API's events for each OpenAI event (gateway/messages_api_stream.go)
	writeTimeout time.Duration
	deadline     time.Time // of the latest armed write

	// The watchdog's state. mu orders the timer callback with stop, so the
	// callback never touches body after the writer moved on.
	mu       sync.Mutex
	timer    *time.Timer
	body     fasthttp.ReadCloserWithError
	watching bool
	progress atomic.Uint32 // events relayed, bumped by the writer
	seen     uint32        // progress at the previous tick
	left     atomic.Bool   // the watchdog saw the client gone and closed body
}

var streamClientPool sync.Pool

// holdClient captures ctx's connection for a stream writer and arms the
// first write deadline through ctx, which also makes fasthttp clear the
// deadline once the response is written, so a keep-alive connection's next
// response is not cut by it.
func holdClient(ctx *fasthttp.RequestCtx, writeTimeout time.Duration) *streamClient {
	c, _ := streamClientPool.Get().(*streamClient)
	if c == nil {
		c = &streamClient{}
		c.timer = time.AfterFunc(time.Hour, c.tick)
		c.timer.Stop()
	}
	c.conn, c.writeTimeout = ctx.Conn(), writeTimeout
	c.progress.Store(0)
	c.seen = 0
	c.left.Store(false)
	if writeTimeout > 0 {
		c.deadline = time.Now().Add(writeTimeout)
		_ = ctx.SetWriteDeadline(c.deadline)
	}
	return c
}

// release stops the watchdog and returns c to the pool.
func (c *streamClient) release() {
	c.stopWatch()
	if c.out != nil {
		c.out.release()
		c.out = nil
	}
	c.conn, c.body = nil, nil
	streamClientPool.Put(c)
}

// armWrite bounds the writes that follow (the writer's own and the
// server's copy to the socket) by the write timeout from now.
func (c *streamClient) armWrite() {
	if c.writeTimeout <= 0 || c.conn == nil {
		return
	}
	c.deadline = time.Now().Add(c.writeTimeout)
	_ = c.conn.SetWriteDeadline(c.deadline)
}

// send writes one event to the client in one Write, which fasthttp's chunk
// writer sends as one chunk and flushes (gateway/stream_body.go), the
// write bounded by the stream write timeout.
func (c *streamClient) send(w io.Writer, ev []byte) error {
	if c.out != nil {
		if ev = c.out.translate(ev); len(ev) == 0 {
			return nil
		}
	}
	c.armWrite()
	if _, err := w.Write(ev); err != nil {
		return err
	}
	c.relayed()
	return nil
}

// writeTimedOut tells a client that stopped reading (its write deadline
// passed) from one that hung up (the write failed before it).
func (c *streamClient) writeTimedOut() bool {
	return c.writeTimeout > 0 && !time.Now().Before(c.deadline)
}

// relayed records that an event went out: the watchdog only peeks at
// clients of streams that made no progress since its previous tick.
func (c *streamClient) relayed() { c.progress.Add(1) }

// watch starts the watchdog over body, the upstream stream the writer
// reads: when the client is gone, closing body unblocks that read.
func (c *streamClient) watch(body fasthttp.ReadCloserWithError) {
	if body == nil || c.conn == nil {
		return
	}
	c.mu.Lock()
	c.body, c.watching = body, true
	c.timer.Reset(clientWatchEvery)
	c.mu.Unlock()
}

// stopWatch ends the watchdog; after it returns the callback no longer
// runs, so the caller may release body.
func (c *streamClient) stopWatch() {
	c.mu.Lock()
	c.watching = false
	c.timer.Stop()
	c.mu.Unlock()
}

// clientLeft reports whether the watchdog saw the client gone.
func (c *streamClient) clientLeft() bool { return c.left.Load() }

func (c *streamClient) tick() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.watching {
		return
	}
	p := c.progress.Load()
	if p == c.seen && peerClosed(c.conn) {
		c.left.Store(true)
		c.watching = false
		// Blocks until the writer's read returns (the close interrupts it).
		_ = c.body.CloseWithError(errClientGone)
		return
	}
	c.seen = p
	c.timer.Reset(clientWatchEvery)
}
