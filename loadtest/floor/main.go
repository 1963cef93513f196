// Command floor is the latency floor for load runs: the smallest fasthttp
// proxy that does what the gateway's bare path must do on the wire. It
// forwards the client's body to the upstream over a pooled keep-alive
// HostClient and copies the status, content type and body back, nothing
// else: no auth, routing, metering, metrics or logs. What the gateway adds
// over it is the cost of being a gateway, not of being a fasthttp proxy.
//
// To keep the comparison honest it is configured like the gateway with the
// default config (loadtest/gateway.yaml): the same server timeouts, read
// buffer and ReduceMemoryUsage, the same upstream pool settings, a
// per-request deadline (the total timeout), one resend when a pooled
// connection turns out closed, and the answer's body handed over with
// SwapBody, not copied.
package main

import (
	"errors"
	"flag"
	"io"
	"log"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:18090", "listen address")
	upstream := flag.String("upstream", "127.0.0.1:18080", "upstream host:port (plain HTTP)")
	prefix := flag.String("prefix", "", "path prefix on the upstream (the gateway's base_url path minus /v1)")
	flag.Parse()

	const total = 10 * time.Minute // config's upstream timeouts.total default
	client := &fasthttp.HostClient{
		Addr:                     *upstream,
		Name:                     "floor",
		MaxConns:                 1024,             // upstreams' max_conns default
		MaxIdleConnDuration:      90 * time.Second, // upstreams' max_idle_conn_duration default
		MaxConnWaitTimeout:       10 * time.Second,
		ReadBufferSize:           16 << 10, // the gateway's buffered pool
		NoDefaultUserAgentHeader: true,
		RetryIfErr:               func(*fasthttp.Request, int, error) (bool, bool) { return false, false },
	}
	srv := &fasthttp.Server{
		Name:              "floor",
		ReadBufferSize:    64 << 10, // server.read_buffer_bytes default
		ReduceMemoryUsage: true,
		ReadTimeout:       60 * time.Second,  // server.read_timeout default
		IdleTimeout:       120 * time.Second, // server.idle_timeout default
		Handler: func(ctx *fasthttp.RequestCtx) {
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			req.Header.SetMethodBytes(ctx.Method())
			uri := req.URI()
			uri.SetScheme("http")
			uri.SetHost(*upstream)
			uri.SetPathBytes(append(append(uri.Path()[:0], *prefix...), ctx.Path()...))
			req.Header.SetContentType("application/json")
			req.SetBodyRaw(ctx.PostBody())
			req.SetTimeout(total)
			err := client.Do(req, resp)
			if err != nil && stale(err) {
				// A pooled connection the upstream closed while idle: the
				// gateway resends once on a fresh one (upstream.do), so does
				// the floor.
				client.CloseIdleConnections()
				req.SetTimeout(total)
				err = client.Do(req, resp)
			}
			if err != nil {
				ctx.Error(`{"error":{"message":"upstream failed","type":"upstream_error"}}`, fasthttp.StatusBadGateway)
				return
			}
			ctx.SetStatusCode(resp.StatusCode())
			ctx.Response.Header.SetContentTypeBytes(resp.Header.ContentType())
			old := ctx.Response.SwapBody(resp.SwapBody(nil))
			resp.SwapBody(old)
		},
	}
	log.Fatal(srv.ListenAndServe(*listen))
}

// stale is the error class of a pooled connection the upstream closed.
func stale(err error) bool {
	return errors.Is(err, fasthttp.ErrConnectionClosed) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}
