package rollouts

import (
	"context"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/internal/testredis"
)

// TestRunConcurrently drives Run on the real clock (200 ms intervals) with
// request goroutines calling Route, Observe, ObserveShadow, ShadowAdmit and
// Status while an admin reloads the config: the race detector watches, and
// the analysis must judge the traffic it was given (a promotion).
func TestRunConcurrently(t *testing.T) {
	rs := testredis.StartOpts(t)
	cfg := simRollout("gpt")
	cfg.Interval, cfg.MinSamples, cfg.Steps = 200*time.Millisecond, 20, []float64{50, 100}
	c, err := New([]config.Rollout{cfg}, Options{Redis: redisClients(t, rs.Addr, 1)[0], Sync: 20 * time.Millisecond, Replica: "run"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()

	quiet := healthy
	quiet.refusal, quiet.errRate = 0, 0
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			for i := 0; i < 200_000; i++ { // bounded; stops when promoted
				select {
				case <-stop:
					return
				default:
				}
				rt := c.Route("gpt", "u"+strconv.Itoa(rng.IntN(10_000)))
				c.Observe("gpt", rt.Variant, quiet.observation(rng))
				if release, ok := c.ShadowAdmit("gpt"); ok {
					release(1)
				}
				if i%500 == 0 {
					_ = c.Status()
					time.Sleep(2 * time.Millisecond)
				}
			}
		}()
	}
	go func() { // a reload with a changed limit keeps the run going
		time.Sleep(100 * time.Millisecond)
		next := cfg
		next.Checks.LatencyP99.MaxRatio = 2.5
		_ = c.Update([]config.Rollout{next})
		_ = c.Pause(ctx, "gpt", "a look")
		_ = c.Resume(ctx, "gpt", "fine")
	}()
	deadline := time.Now().Add(15 * time.Second)
	for c.Status()[0].State != StatePromoted && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	st := c.Status()[0]
	if st.State != StatePromoted {
		t.Fatalf("not promoted on the real clock within 15 s: %s at %v%%, last %+v", st.State, st.Percent, st.Last)
	}
	if st.Last == nil || st.Last.Candidate.Requests < 20 || st.Last.Stable.Requests < 20 {
		t.Fatalf("the promoting analysis saw too little: %+v", st.Last)
	}
	cancel()
	<-done
}
