package gateway

import (
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// exchangeOnce writes a request on c and has the peer read it; answer
// decides what the peer does next (reply, close, or stay silent).
func exchangeOnce(t *testing.T, c *timedConn, peer net.Conn, answer func()) (int, error) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 16)
		if _, err := peer.Read(buf); err == nil {
			answer()
		}
	}()
	if _, err := c.Write([]byte("request")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	n, err := c.Read(buf)
	<-done
	return n, err
}

// TestTimedConnCountsOnlyReusedConnectionsClosedBeforeAnswering: the stale
// pool race is a reused connection closed before any byte of its answer; a
// fresh connection closing, or a silent upstream timing out, is not.
func TestTimedConnCountsOnlyReusedConnectionsClosedBeforeAnswering(t *testing.T) {
	var stale atomic.Uint64
	reply := func(peer net.Conn) func() { return func() { _, _ = peer.Write([]byte("answer")) } }
	closes := func(peer net.Conn) func() { return func() { _ = peer.Close() } }

	a, peer := net.Pipe()
	fresh := &timedConn{Conn: a, stale: &stale}
	if _, err := exchangeOnce(t, fresh, peer, closes(peer)); err != io.EOF || stale.Load() != 0 {
		t.Fatalf("fresh connection closed: err %v, stale %d (want EOF, 0)", err, stale.Load())
	}

	a, peer = net.Pipe()
	reused := &timedConn{Conn: a, stale: &stale}
	if n, err := exchangeOnce(t, reused, peer, reply(peer)); n == 0 || err != nil {
		t.Fatalf("first answer: %d %v", n, err)
	}
	if _, err := exchangeOnce(t, reused, peer, closes(peer)); err != io.EOF || stale.Load() != 1 {
		t.Fatalf("reused connection closed: err %v, stale %d (want EOF, 1)", err, stale.Load())
	}

	a, peer = net.Pipe()
	defer peer.Close()
	slow := &timedConn{Conn: a, firstByte: 20 * time.Millisecond, stale: &stale}
	if n, err := exchangeOnce(t, slow, peer, reply(peer)); n == 0 || err != nil {
		t.Fatalf("first answer: %d %v", n, err)
	}
	if _, err := exchangeOnce(t, slow, peer, func() {}); !isTimeout(err) || stale.Load() != 1 {
		t.Fatalf("silent upstream: err %v, stale %d (want a timeout, still 1)", err, stale.Load())
	}
}
