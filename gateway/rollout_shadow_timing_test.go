package gateway_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/mockllm"
)

// BenchmarkShadowOverhead is the client's latency (ns/op, one go-openai
// chat at a time) through a gateway without a rollout and through one
// that shadows every request to a candidate (share 1, max_concurrency 4):
// the shadow call runs after the answer, so what it costs the client is
// the CPU it takes from the same process (cpu-ns/op: the whole process,
// mocks and client included). slow_candidate answers the copies after
// 30 ms. Compare the rows within one run:
//
//	go test -run '^$' -bench ShadowOverhead -count 5 ./gateway/
func BenchmarkShadowOverhead(b *testing.B) {
	stableURL, _ := startMock(b, mockllm.Options{Seed: 1})
	fastURL, fast := startMock(b, mockllm.Options{Seed: 2})
	slowURL, slow := startMock(b, mockllm.Options{Seed: 2, Latency: 30 * time.Millisecond})
	yml := func(shadow bool) string {
		y := stableAndCandidateYAML
		if shadow {
			y += `
rollouts:
  - {model: m, mode: shadow, candidate: {model: m-next}, interval: 1h, shadow: {share: 1, max_concurrency: 4, daily_usd: 1000}}
`
		}
		return y
	}
	for _, bc := range []struct {
		name    string
		shadow  bool
		cand    string
		candSrv *mockllm.Server
	}{{"off", false, fastURL, fast}, {"on", true, fastURL, fast}, {"on_slow_candidate", true, slowURL, slow}} {
		b.Run(bc.name, func(b *testing.B) {
			rig := startRolloutGateway(b, yml(bc.shadow), map[string]string{"STABLE": stableURL, "CAND": bc.cand}, nil, "")
			c := newClient(rig.base, "sk-test")
			ask := func(i int) {
				if _, err := c.CreateChatCompletion(context.Background(), chatReq("m", fmt.Sprintf("benchmark question %d", i))); err != nil {
					b.Fatal(err)
				}
			}
			for i := range 50 {
				ask(-i) // warm connections and pools
			}
			settle := func() int64 { // the candidate's requests once no shadow call runs (bounded wait)
				for i := 0; i < 200 && bc.shadow && rig.ctrl.Status()[0].Shadow.InFlight > 0; i++ {
					time.Sleep(10 * time.Millisecond)
				}
				return bc.candSrv.Stats().Requests
			}
			before, cpu0 := settle(), processCPU()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				ask(i)
			}
			b.StopTimer()
			// The shadow calls admitted while the loop ran (at most 4 at
			// once; the rest were skipped), and the process's CPU per
			// request once they finished: client, gateway, mocks and
			// shadow calls together, steadier than wall time on a busy
			// machine.
			b.ReportMetric(float64(settle()-before)/float64(b.N), "shadowed/op")
			b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// processCPU is the process's user and system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
