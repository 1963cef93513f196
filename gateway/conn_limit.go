package gateway

import (
	"crypto/tls"
	"net"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/tollgate-ai/tollgate/config"
)

// connLimit bounds the client connections (server.concurrency) itself,
// rather than leaving it to fasthttp: fasthttp answers a connection over
// its Concurrency with a plain-text 503, which no OpenAI client can read.
// Here a connection over the limit gets a 503 overloaded in OpenAI's JSON
// shape with Retry-After, and fasthttp's own limit is set where it is
// never reached (fasthttpConcurrency).
type connLimit struct {
	max      int64
	open     atomic.Int64
	rejected atomic.Int64 // rejections being answered now (maxRejecting)
}

// maxRejecting bounds the goroutines answering rejected connections: past
// it, a flood of connections is closed without an answer.
const maxRejecting = 64

var shedConnections = metrics.NewCounter(`tollgate_requests_shed_total{reason="connections"}`)

func connLimitFor(sc config.ServerConfig) int64 {
	if sc.Concurrency > 0 {
		return int64(sc.Concurrency)
	}
	return config.DefaultConcurrency
}

// fasthttpConcurrency is fasthttp's own limit: above connLimit's with room
// for a closed connection whose worker has not yet returned.
func fasthttpConcurrency(sc config.ServerConfig) int {
	return int(min(2*connLimitFor(sc), 1<<31-1))
}

// wrap returns ln with the limit applied to the connections it accepts.
func (l *connLimit) wrap(ln net.Listener, sc config.ServerConfig) net.Listener {
	l.max = connLimitFor(sc)
	return &limitListener{Listener: ln, l: l}
}

type limitListener struct {
	net.Listener
	l *connLimit
}

func (ll *limitListener) Accept() (net.Conn, error) {
	l := ll.l
	for {
		c, err := ll.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.open.Add(1) <= l.max {
			if tc, ok := c.(*tls.Conn); ok {
				return &limitedTLSConn{Conn: tc, l: l}, nil
			}
			return &limitedConn{Conn: c, l: l}, nil
		}
		l.open.Add(-1)
		shedConnections.Inc()
		l.reject(c)
	}
}

// reject answers c with the overloaded error and closes it, off the accept
// loop: the client's request is read first (bounded), so closing does not
// reset the connection before the client reads the answer.
func (l *connLimit) reject(c net.Conn) {
	if _, ok := c.(*tls.Conn); ok || l.rejected.Add(1) > maxRejecting {
		if !ok {
			l.rejected.Add(-1)
		}
		_ = c.Close() // a TLS answer would wait for the handshake
		return
	}
	go func() {
		defer l.rejected.Add(-1)
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(time.Second))
		var buf [4096]byte
		_, _ = c.Read(buf[:]) // the request's head, mostly
		_, _ = c.Write(connRejectedAnswer(l.max))
		if cw, ok := c.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
			_, _ = c.Read(buf[:]) // until the client closes, or the deadline
		}
	}()
}

// connRejectedAnswer is the whole HTTP response to a connection over the limit.
func connRejectedAnswer(limit int64) []byte {
	e := &APIError{Status: 503, Type: typeServer, Code: "overloaded", RetryAfter: overloadRetryAfter,
		Message: "the gateway is serving its limit of " + strconv.FormatInt(limit, 10) +
			" client connections (server.concurrency); retry after " + strconv.Itoa(overloadRetryAfter) + "s"}
	body := appendErrorJSON(nil, e)
	b := make([]byte, 0, 160+len(body))
	b = append(b, "HTTP/1.1 503 Service Unavailable\r\nServer: tollgate\r\nContent-Type: application/json\r\nRetry-After: "...)
	b = strconv.AppendInt(b, overloadRetryAfter, 10)
	b = append(b, "\r\nConnection: close\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\n\r\n"...)
	return append(b, body...)
}

// limitedConn gives its slot back on the first Close.
type limitedConn struct {
	net.Conn
	l      *connLimit
	closed atomic.Bool
}

func (c *limitedConn) Close() error {
	if c.closed.CompareAndSwap(false, true) {
		c.l.open.Add(-1)
	}
	return c.Conn.Close()
}

// SyscallConn lets peerClosed peek at the socket beneath.
func (c *limitedConn) SyscallConn() (syscall.RawConn, error) {
	if sc, ok := c.Conn.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, syscall.EINVAL
}

// limitedTLSConn keeps a TLS connection's methods visible to fasthttp
// (it asks for Handshake and ConnectionState).
type limitedTLSConn struct {
	*tls.Conn
	l      *connLimit
	closed atomic.Bool
}

func (c *limitedTLSConn) Close() error {
	if c.closed.CompareAndSwap(false, true) {
		c.l.open.Add(-1)
	}
	return c.Conn.Close()
}
