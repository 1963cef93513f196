package gateway

import (
	"errors"
	"io"
	"net"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"
)

// timedConn wraps every upstream connection. It enforces the stream
// timeouts fasthttp's client lacks (time to first byte after a request is
// written, then the longest gap between reads; zero durations leave
// fasthttp's deadline alone), and it tells a stale pooled connection from
// a failing upstream. fasthttp only knows one absolute deadline per
// request, which would cut a long stream or let a stalled one hang until
// the total timeout.
type timedConn struct {
	net.Conn
	firstByte time.Duration
	idle      time.Duration
	outer     time.Time // the absolute deadline fasthttp asked for (total timeout)
	awaiting  bool      // a request was written and no response byte read yet
	answered  bool      // a response arrived on this connection before: it is being reused
	stale     *atomic.Uint64
}

// Handshake tells fasthttp the connection is TLS already where it is
// (tlsDial handshakes below timedConn), so fasthttp does not wrap it again.
func (c *timedConn) Handshake() error {
	if h, ok := c.Conn.(interface{ Handshake() error }); ok {
		return h.Handshake()
	}
	return nil
}

func (c *timedConn) SetReadDeadline(t time.Time) error {
	c.outer = t
	return c.Conn.SetReadDeadline(t)
}

func (c *timedConn) SetDeadline(t time.Time) error {
	c.outer = t
	return c.Conn.SetDeadline(t)
}

func (c *timedConn) Write(p []byte) (int, error) {
	c.awaiting = true
	n, err := c.Conn.Write(p)
	if err != nil && c.answered && !isTimeout(err) {
		c.markStale() // the upstream closed it while it sat in the pool; the request did not get through
	}
	return n, err
}

func (c *timedConn) Read(p []byte) (int, error) {
	d := c.idle
	if c.awaiting {
		d = c.firstByte
	}
	if d > 0 {
		dl := time.Now().Add(d)
		if !c.outer.IsZero() && c.outer.Before(dl) {
			dl = c.outer
		}
		if err := c.Conn.SetReadDeadline(dl); err != nil {
			return 0, err
		}
	}
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.awaiting = false
		c.answered = true
	} else if err != nil && c.awaiting && c.answered && !isTimeout(err) {
		// Closed (FIN or reset) before the first byte of an answer on a
		// reused connection: the classic keep-alive race with an upstream
		// that timed the idle connection out or restarted.
		c.markStale()
	}
	return n, err
}

func (c *timedConn) markStale() {
	if c.stale != nil {
		c.stale.Add(1)
	}
	c.stale = nil // once per connection: fasthttp discards it now
}

// isStaleConnErr is the error class a stale pooled connection produces:
// fasthttp reports any failure to read the first response byte as
// ErrConnectionClosed; a write into a reset connection fails with EPIPE
// or ECONNRESET.
func isStaleConnErr(err error) bool {
	return errors.Is(err, fasthttp.ErrConnectionClosed) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}
