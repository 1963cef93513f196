//go:build !race

package gateway_test

import (
	"bytes"
	"testing"

	"github.com/valyala/fasthttp"
)

// The race detector makes sync.Pool drop items, so allocation counts are
// checked without it.

// Allocations per request, counted over the whole process: the test's
// client, the gateway (all stages off) and the mock behind it, each over an
// in-memory listener. The direct rows are the mock and client alone, so the
// gateway's share is the difference. The limits are today's counts: lower
// them when a change removes an allocation, never raise them to let one in.
const (
	directChatAllocs   = 0
	proxyChatAllocs    = 1  // a chat answer, buffered (0 by the gateway's code; fasthttp's ReduceMemoryUsage re-acquires an idle connection's reader from a pool that a GC empties)
	directStreamAllocs = 24 // the mock writing a stream, and the client reading it
	proxyStreamAllocs  = 33 // a 16-token stream relayed: the gateway adds 9
)

func TestProxyAllocs(t *testing.T) {
	mockLn, gwLn := proxyPair(t)
	streamBody := append([]byte(`{"stream":true,`), benchChat[1:]...)

	f := func(name string, c *fasthttp.HostClient, body []byte, stream bool, limit float64) {
		t.Helper()
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		post := func() {
			setChatRequest(req, body, "")
			if err := c.Do(req, resp); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if resp.StatusCode() != 200 || (stream && !bytes.Contains(resp.Body(), []byte("[DONE]"))) {
				t.Fatalf("%s: status %d: %s", name, resp.StatusCode(), resp.Body())
			}
		}
		for range 50 {
			post() // warm the pools, connections and per-model handles
		}
		if n := testing.AllocsPerRun(200, post); n > limit {
			t.Errorf("%s: %v allocations per request, want at most %v", name, n, limit)
		} else {
			t.Logf("%s: %v allocations per request", name, n)
		}
	}
	f("direct/chat", inmemClient(mockLn), benchChat, false, directChatAllocs)
	f("gateway/chat", inmemClient(gwLn), benchChat, false, proxyChatAllocs)
	f("direct/stream", inmemClient(mockLn), streamBody, true, directStreamAllocs)
	f("gateway/stream", inmemClient(gwLn), streamBody, true, proxyStreamAllocs)
}
