package metering

import (
	"sync"
	"time"
)

// planCache keeps the counters of recent subjects for the current UTC day:
// writing their keys (escaping names, dates) is most of a plan's cost, and a
// subject's keys change only with its rules or the day. A hit copies the
// counters and sets the budget resets from now. Bounded: when full it is
// emptied, so a flood of distinct subjects costs rebuilds, never memory.
type planCache struct {
	mu sync.RWMutex
	m  map[Subject]*planTemplate
}

type planTemplate struct {
	rules    Rules // the rules the limits were taken from
	day      int   // UTC yyyymmdd the keys were written for
	counters []counter
	ends     []time.Time // per counter: when its budget period ends (zero: never, or a rate counter)
	marker   string
}

// planCacheSize bounds the subjects kept (a few MB at most).
const planCacheSize = 4096

func utcDay(t time.Time) int {
	y, m, d := t.Date()
	return y*10000 + int(m)*100 + d
}

// plan returns s's plan under r at now, from the cache when it can. Its
// counters reuse dst's memory.
func (c *planCache) plan(dst []counter, s Subject, r Rules, now time.Time) plan {
	now = now.UTC()
	day := utcDay(now)
	c.mu.RLock()
	t := c.m[s]
	c.mu.RUnlock()
	if t == nil || t.day != day || t.rules != r {
		t = newPlanTemplate(s, r, now)
		c.mu.Lock()
		if c.m == nil || len(c.m) >= planCacheSize {
			c.m = make(map[Subject]*planTemplate, 64)
		}
		c.m[s] = t
		c.mu.Unlock()
	}
	p := plan{now: now, marker: t.marker, counters: append(dst[:0], t.counters...)}
	for i, end := range t.ends {
		if !end.IsZero() {
			p.counters[i].reset = end.Sub(now)
		}
	}
	return p
}

func newPlanTemplate(s Subject, r Rules, now time.Time) *planTemplate {
	p := buildPlan(s, r, now, 0, 0)
	t := &planTemplate{rules: r, day: utcDay(now), counters: p.counters, ends: make([]time.Time, len(p.counters)), marker: p.marker}
	for i, c := range p.counters {
		if c.reset != 0 {
			t.ends[i] = now.Add(c.reset)
		}
	}
	return t
}
