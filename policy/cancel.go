package policy

import (
	"sync"
	"sync/atomic"
	"time"
)

// canceler is a pooled topdown.Cancel armed with a timer, so a prepared query
// can be stopped at the timeout without the goroutine OPA starts per Eval.
type canceler struct {
	cancelled atomic.Bool
	timedOut  atomic.Bool
	timer     *time.Timer
}

func (c *canceler) Cancel()         { c.cancelled.Store(true) }
func (c *canceler) Cancelled() bool { return c.cancelled.Load() }

func (c *canceler) fire() {
	c.timedOut.Store(true)
	c.cancelled.Store(true)
}

var cancelerPool sync.Pool

func acquireCanceler(timeout time.Duration) *canceler {
	if c, ok := cancelerPool.Get().(*canceler); ok {
		c.timer.Reset(timeout)
		return c
	}
	c := &canceler{}
	c.timer = time.AfterFunc(timeout, c.fire)
	return c
}

// releaseCanceler pools c only when no callback can still touch it: a timer
// that already fired (or an external Cancel, see Decide) makes it garbage.
func releaseCanceler(c *canceler, external bool) {
	if !c.timer.Stop() || external {
		return
	}
	c.cancelled.Store(false)
	c.timedOut.Store(false)
	cancelerPool.Put(c)
}
