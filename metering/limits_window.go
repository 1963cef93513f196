package metering

import (
	"sort"
	"time"
)

// Rate limits are sliding logs, not fixed minutes: "RPM 40" means at most 40 requests in any 60 s,
// which is how users read the number, and a burst straddling a minute boundary cannot pass twice.
// Every admitted request adds an entry (time in ms, id, weight: 1 for requests, the token estimate
// for tokens); entries at or before now−rateWindow no longer count. Settle re-weighs a request's
// TPM entry to its actual tokens while it is still in the window. The Redis store keeps the same log
// in a ZSET (score = ms, member = "id:weight") plus a weight sum; this is the in-memory twin.

// logEntry is what a sliding log admitted in one millisecond. The embedded store coalesces requests of
// the same millisecond (a log holds at most 60 000 entries however high the limit); Redis keeps one
// member per request. Both count and expire the same weights at the same times.
type logEntry struct {
	at int64 // unix ms; increasing (the store's stamps are monotonic)
	w  int64
}

// memLog is a sliding log with its weight sum. Appends are in time order under the store's mutex.
type memLog struct {
	ent  []logEntry // live entries are ent[head:]; the prefix is dropped when append reallocates
	sum  int64
	dead bool // deleted from the store (see memCounter)
}

func windowMillis() int64 { return rateWindow.Milliseconds() }

// trim drops entries that left the window ending at now (ms).
func (g *memLog) trim(now int64) {
	cut, i := now-windowMillis(), 0
	for i < len(g.ent) && g.ent[i].at <= cut {
		g.sum -= g.ent[i].w
		i++
	}
	if i > 0 {
		g.ent = g.ent[i:]
	}
}

func (g *memLog) add(at, w int64) {
	g.sum += w
	if n := len(g.ent); n > 0 && g.ent[n-1].at == at {
		g.ent[n-1].w += w
		return
	}
	g.ent = append(g.ent, logEntry{at: at, w: w})
}

// wait is how long until enough weight leaves the window for inc to fit under limit.
func (g *memLog) wait(now, inc, limit int64) time.Duration {
	need, acc := g.sum+inc-limit, int64(0)
	for _, e := range g.ent {
		if acc += e.w; acc >= need {
			return time.Duration(e.at+windowMillis()-now) * time.Millisecond
		}
	}
	return rateWindow
}

// resetIn is how long until the oldest counted entry leaves the window (when remaining next grows).
func (g *memLog) resetIn(now int64) time.Duration {
	if len(g.ent) == 0 {
		return 0
	}
	return time.Duration(g.ent[0].at+windowMillis()-now) * time.Millisecond
}

// reweigh moves a request admitted at ms at from weight from to weight to, if it is still in the window.
func (g *memLog) reweigh(at, from, to int64) {
	i := sort.Search(len(g.ent), func(i int) bool { return g.ent[i].at >= at })
	if i < len(g.ent) && g.ent[i].at == at {
		g.sum += to - from
		g.ent[i].w += to - from
	}
}
