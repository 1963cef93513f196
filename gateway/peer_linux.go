//go:build linux

package gateway

import (
	"errors"
	"net"
	"syscall"
)

// peerClosed reports whether the other end of c has closed or reset the
// connection, without consuming any byte a later read would need: it peeks
// with MSG_PEEK|MSG_DONTWAIT. fasthttp cannot tell a handler that its client
// left while the upstream is silent; this lets the gateway ask, so a client
// that hung up is not blamed on the deployment as a timeout.
func peerClosed(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	closed := false
	var b [1]byte
	_ = rc.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case err == nil:
			closed = n == 0 // orderly shutdown (FIN); n > 0 is pending data from a live client
		case errors.Is(err, syscall.EAGAIN), errors.Is(err, syscall.EINTR):
		default:
			closed = true // ECONNRESET and friends
		}
		return true // never wait for readability
	})
	return closed
}
