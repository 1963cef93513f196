package gateway

import (
	"net"
	"time"
)

// timedConn enforces the stream timeouts fasthttp's client lacks: time to
// first byte after a request is written, then the longest gap between reads.
// fasthttp only knows one absolute deadline per request, which would cut a
// long stream or let a stalled one hang until the total timeout.
type timedConn struct {
	net.Conn
	firstByte time.Duration
	idle      time.Duration
	outer     time.Time // the absolute deadline fasthttp asked for (total timeout)
	awaiting  bool      // a request was written and no response byte read yet
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
	return c.Conn.Write(p)
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
	}
	return n, err
}
