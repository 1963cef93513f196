//go:build !race

package gateway_test

import (
	"testing"

	"github.com/valyala/fasthttp"
)

// stagesChatAllocs is what a buffered chat allocates per request with every
// stage on but the policy (the load run's gateway_all_but_policy), over the
// whole process like TestProxyAllocs (client, gateway, ledger writer, mock).
// Today's count: lower it when a change removes an allocation, never raise it.
const stagesChatAllocs = 3

func TestNonPolicyStagesAllocs(t *testing.T) {
	c := inmemClient(serveNonPolicyStages(t))
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	post := func() {
		setChatRequest(req, benchChat, "sk-load")
		if err := c.Do(req, resp); err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode() != 200 {
			t.Fatalf("status %d: %s", resp.StatusCode(), resp.Body())
		}
	}
	for range 50 {
		post() // warm the pools, connections, plan cache and per-model handles
	}
	if n := testing.AllocsPerRun(500, post); n > stagesChatAllocs {
		t.Errorf("%v allocations per request with every stage but the policy on, want at most %v", n, stagesChatAllocs)
	} else {
		t.Logf("%v allocations per request", n)
	}
}
