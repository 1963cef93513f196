package scenario

import (
	"context"
	"testing"
	"time"
)

// TestSmoke runs every registered scenario with Options.Smoke (a few
// seconds, small counts) so none rots: each must finish, stop what it
// started and pass its own checks. `make test` runs it (go test ./...).
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the load scenarios' smoke starts real processes")
	}
	all := All()
	if len(all) == 0 {
		t.Fatal("no scenario registered")
	}
	for _, s := range all {
		t.Run(s.Name, func(t *testing.T) {
			bound := s.SmokeTimeout
			if bound == 0 {
				bound = 60 * time.Second
			}
			ctx, cancel := context.WithTimeout(context.Background(), bound)
			defer cancel()
			res, err := Execute(ctx, s, Options{Smoke: true}, EnvOptions{Log: testLog{t}})
			if err != nil {
				t.Fatal(err)
			}
			if res == nil {
				t.Fatal("no result")
			}
			t.Log("\n" + res.Markdown())
			if len(res.Tables) == 0 && len(res.Checks) == 0 {
				t.Error("the scenario reported nothing (no table, no check)")
			}
			for _, c := range res.Failed() {
				t.Errorf("check %q: want %s, got %s", c.Name, c.Want, c.Got)
			}
		})
	}
}
