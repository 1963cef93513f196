// Package scenario runs Tollgate's load, scale and chaos scenarios: each
// builds what it needs once, starts real processes (mockllm, redis-server,
// gateways) on free loopback ports, drives them with bounded load, stops
// everything it started and returns a Result (tables, checks, notes).
//
// A scenario is one file that registers itself in init():
//
//	func init() { Register(Scenario{Name: "chaos", About: "…", Run: runChaos}) }
//	func runChaos(ctx context.Context, env *Env, o Options) (*Result, error)
//
// `loadtest/run NAME` (loadtest/cmd/run) runs one by hand and writes its
// result under loadtest/results/; smoke_test.go runs every registered one
// with Options.Smoke so none rots.
package scenario

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Scenario is one runnable load scenario.
type Scenario struct {
	Name  string // the command line's SCENARIO: lower case, dashes
	About string // one line for `loadtest/run -list`
	Run   func(ctx context.Context, env *Env, o Options) (*Result, error)
	// SmokeTimeout bounds the scenario's smoke run (default 60 s); the smoke
	// of every scenario together must stay inside CI's budget.
	SmokeTimeout time.Duration
}

// Options are the knobs a run is given. Zero values mean "the scenario's
// default"; Smoke asks for a few seconds and small counts.
type Options struct {
	Smoke    bool          // a few seconds, small counts: the `make test` smoke
	Duration time.Duration // per measured phase (scenario default when 0)
	Rate     int           // requests/s of open-loop phases (scenario default when 0)
	Conns    int           // connections (scenario default when 0)
	Repeats  int           // interleaved repeats of A/B phases (scenario default when 0)
	Before   string        // a git ref: also build that commit's tollgate and run it as extra targets
	// Set holds scenario-specific settings given as -set key=value.
	Set map[string]string
}

// Dur returns o.Duration, else smoke in smoke runs, else def.
func (o Options) Dur(def, smoke time.Duration) time.Duration {
	switch {
	case o.Duration > 0 && !o.Smoke:
		return o.Duration
	case o.Smoke:
		return smoke
	}
	return def
}

// Int picks a count the same way: explicit (non-smoke), smoke, default.
func (o Options) Int(explicit, def, smoke int) int {
	switch {
	case explicit > 0 && !o.Smoke:
		return explicit
	case o.Smoke:
		return smoke
	}
	return def
}

// Str returns the -set value of key, or def.
func (o Options) Str(key, def string) string {
	if v, ok := o.Set[key]; ok {
		return v
	}
	return def
}

// SetInt returns the -set value of key as an int, or def (bad values too).
func (o Options) SetInt(key string, def int) int {
	if v, ok := o.Set[key]; ok {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	}
	return def
}

var (
	regMu    sync.Mutex
	registry = map[string]Scenario{}
)

// Register adds a scenario; a duplicate or unnamed one is a programming
// error and panics at init.
func Register(s Scenario) {
	regMu.Lock()
	defer regMu.Unlock()
	if s.Name == "" || s.Run == nil {
		panic("scenario: Register needs a Name and a Run")
	}
	if _, dup := registry[s.Name]; dup {
		panic(fmt.Sprintf("scenario: %q registered twice", s.Name))
	}
	registry[s.Name] = s
}

// Lookup finds a registered scenario by name.
func Lookup(name string) (Scenario, bool) {
	regMu.Lock()
	defer regMu.Unlock()
	s, ok := registry[name]
	return s, ok
}

// All lists the registered scenarios by name.
func All() []Scenario {
	regMu.Lock()
	defer regMu.Unlock()
	out := make([]Scenario, 0, len(registry))
	for _, s := range registry {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
