package mockllm

import (
	"fmt"
	"sync"
)

// Gate lets a test order events without wall-clock sleeps. A request carrying `x-mock-gate: NAME` stops at the
// gate — a stream after its first chunk, a non-stream request before answering — until Open is called, the
// client goes away, the server closes, or 30 s pass. Once open a gate stays open.
type Gate struct {
	name        string
	open        chan struct{}
	reached     chan struct{}
	openOnce    sync.Once
	reachedOnce sync.Once
}

func newGate(name string) *Gate {
	return &Gate{name: name, open: make(chan struct{}), reached: make(chan struct{})}
}

// Open releases every request waiting at the gate and lets later ones pass.
func (g *Gate) Open() { g.openOnce.Do(func() { close(g.open) }) }

// Reached is closed when the first request arrives at the gate point.
func (g *Gate) Reached() <-chan struct{} { return g.reached }

// Name returns the gate's name, the x-mock-gate header value that selects it.
func (g *Gate) Name() string { return g.name }

func (g *Gate) markReached() { g.reachedOnce.Do(func() { close(g.reached) }) }

// gates is the server's registry, bounded because names come from request headers.
type gates struct {
	mu sync.Mutex
	m  map[string]*Gate
}

// get returns the named gate, creating it; requests may name a gate before the test asks for it.
func (gs *gates) get(name []byte) (*Gate, error) {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	if g, ok := gs.m[string(name)]; ok {
		return g, nil
	}
	if len(gs.m) >= maxGates {
		return nil, fmt.Errorf("too many gates (%d); reuse gate names", maxGates)
	}
	if gs.m == nil {
		gs.m = make(map[string]*Gate)
	}
	g := newGate(string(name))
	gs.m[g.name] = g
	return g, nil
}
