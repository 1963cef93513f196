package mockllm

import (
	"net"

	"github.com/valyala/fasthttp/fasthttputil"
)

// StartInMemory serves a new mock on an in-memory listener, for a process
// that embeds the mock (Tollgate's upstreams of kind mock): dial opens a
// connection to it, stop closes the mock and the listener.
func StartInMemory(opts Options) (dial func() (net.Conn, error), stop func()) {
	ln := fasthttputil.NewInmemoryListener()
	srv := New(opts)
	go func() { _ = srv.Serve(ln) }()
	return ln.Dial, func() { _ = srv.Close(); _ = ln.Close() }
}
