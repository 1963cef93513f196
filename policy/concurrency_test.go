package policy

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestDecideConcurrentDistinctInputs runs goroutines whose inputs differ in
// exactly the parts the term cache reuses (principal, health, time), so the
// shared cache entries are replaced constantly; each decision must still be
// the one for its own input.
func TestDecideConcurrentDistinctInputs(t *testing.T) {
	// A generous timeout: -race slows evaluation ~10x and the 2 cores are shared.
	e := openTB(t, Options{Dir: examplesDir, Timeout: time.Minute})
	type want struct {
		maxTokens int
		model     string
	}
	cases := []struct {
		patch func(*Input)
		want  want
	}{
		{func(*Input) {}, want{4096, ""}},
		{func(in *Input) { in.Principal.Team, in.Principal.KeyID = "support", "key_s" }, want{1024, ""}},
		{func(in *Input) { in.Health["gpt-4o"] = ModelHealth{Status: "unhealthy"} }, want{4096, "gpt-4o-mini"}},
		{func(in *Input) { in.Time.Hour, in.Time.Now = 3, "2026-11-23T03:00:00Z" }, want{4096, "gpt-4o-mini"}},
		{func(in *Input) {
			in.Principal = Principal{Tenant: "globex", Team: "default", KeyID: "key_g", Tags: map[string]string{"env": "dev"}}
			in.Request.Model = "gpt-4o-mini"
		}, want{2048, ""}},
	}
	var wg sync.WaitGroup
	errs := make(chan string, len(cases))
	for i, c := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := typicalInput()
			c.patch(in)
			for range 300 {
				d := e.Decide(context.Background(), in)
				if d.Err != nil || d.MaxTokens != c.want.maxTokens || d.Model != c.want.model {
					errs <- fmt.Sprintf("case %d: %+v", i+1, d)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
