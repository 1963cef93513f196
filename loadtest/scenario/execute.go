package scenario

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"
)

// Execute runs one scenario in a fresh Env and closes it (stopping every
// process) whatever happens, a panic included, which it returns as an
// error. The result carries the repository root for writing it.
func Execute(ctx context.Context, s Scenario, o Options, eo EnvOptions) (res *Result, err error) {
	env, err := NewEnv(ctx, eo)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("scenario %s panicked: %v\n%s", s.Name, p, debug.Stack())
		}
		if cerr := env.Close(); cerr != nil && err == nil {
			err = cerr
		}
		if res != nil {
			res.Scenario, res.Smoke, res.Root = s.Name, o.Smoke, env.Root()
			res.Elapsed = time.Since(start).Round(time.Millisecond).String()
		}
	}()
	return s.Run(ctx, env, o)
}
