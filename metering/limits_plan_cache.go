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
	rules            Rules // the rules the limits were taken from
	dayStart, dayEnd int64 // the UTC day the keys were written for, [start, end) in Unix ns
	counters         []counter
	ends             []int64 // per counter: when its budget period ends, Unix ns (0: never, or a rate counter)
	marker           string
}

// planCacheSize bounds the subjects kept (a few MB at most).
const planCacheSize = 4096

// plan returns s's plan under r at now, from the cache when it can. Its
// counters reuse dst's memory.
func (c *planCache) plan(dst []counter, s Subject, r Rules, now time.Time) plan {
	now = now.UTC()
	ns := now.UnixNano()
	c.mu.RLock()
	t := c.m[s]
	c.mu.RUnlock()
	if t == nil || ns < t.dayStart || ns >= t.dayEnd || t.rules != r {
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
		if end != 0 {
			p.counters[i].reset = time.Duration(end - ns)
		}
	}
	return p
}

func newPlanTemplate(s Subject, r Rules, now time.Time) *planTemplate {
	p := buildPlan(s, r, now, 0, 0)
	y, m, d := now.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	t := &planTemplate{rules: r, dayStart: day.UnixNano(), dayEnd: day.AddDate(0, 0, 1).UnixNano(),
		counters: p.counters, ends: make([]int64, len(p.counters)), marker: p.marker}
	for i, c := range p.counters {
		if c.reset != 0 {
			t.ends[i] = now.UnixNano() + int64(c.reset)
		}
	}
	return t
}
