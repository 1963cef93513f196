package metering

import (
	"context"
	"sort"
	"sync"
	"time"
)

// TeamCost is one row of today's spend (UTC day) by tenant and team.
type TeamCost struct {
	Tenant  string  `json:"tenant"`
	Team    string  `json:"team"`
	CostUSD float64 `json:"cost_usd"`
}

// todayRefresh is how often a Redis-backed ledger reloads today's totals, to take in what other
// replicas stored; its own records are added as they are written.
const todayRefresh = 30 * time.Second

// todayCosts is a running aggregate of today's cost by (tenant, team), fed by the writer as batches
// reach the store. Reading it costs a small map copy: the ops page polls it without querying the
// store (whose file aggregates sit behind the writer's mutex and whose Redis hash is one round trip).
type todayCosts struct {
	mu    sync.Mutex
	day   int64 // UTC days since the epoch
	picos map[[2]string]int64
}

func dayOf(t time.Time) int64 { return t.Unix() / 86400 }

func dayStart(day int64) time.Time { return time.Unix(day*86400, 0).UTC() }

// add counts stored records of the current day; a later day starts a new one.
func (c *todayCosts) add(recs []*Record) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range recs {
		d := dayOf(r.Time)
		if d > c.day || c.picos == nil {
			c.day, c.picos = d, map[[2]string]int64{}
		}
		if d == c.day {
			c.picos[[2]string{r.Tenant, r.Team}] += r.CostPicos
		}
	}
}

// reset replaces the totals of day with rows grouped by tenant, team.
func (c *todayCosts) reset(day int64, rows []UsageRow) {
	m := make(map[[2]string]int64, len(rows))
	for _, r := range rows {
		m[[2]string{r.Values[0], r.Values[1]}] += r.CostPicos
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if day >= c.day || c.picos == nil {
		c.day, c.picos = day, m
	}
}

// snapshot returns the totals when they are of now's day, sorted by tenant and team.
func (c *todayCosts) snapshot(now time.Time) []TeamCost {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]TeamCost, 0, len(c.picos))
	if c.day != dayOf(now) {
		return out
	}
	for k, p := range c.picos {
		out = append(out, TeamCost{Tenant: k[0], Team: k[1], CostUSD: float64(p) / 1e12})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Tenant != out[j].Tenant {
			return out[i].Tenant < out[j].Tenant
		}
		return out[i].Team < out[j].Team
	})
	return out
}

// loadToday seeds the running totals from the store (at open, and every todayRefresh when the
// store is shared). It runs on the writer goroutine, so no batch of ours is written meanwhile.
func (l *Ledger) loadToday() {
	day := dayOf(time.Now())
	ctx, cancel := context.WithTimeout(context.Background(), l.opts.StoreTimeout)
	defer cancel()
	q := UsageQuery{GroupBy: []string{"tenant", "team"}, From: dayStart(day), To: dayStart(day + 1)}
	rows, err := l.store.query(ctx, q)
	if err != nil {
		l.log.Warn("ledger: today's cost totals not reloaded; the ops page shows this replica's records only", "err", err)
		return
	}
	l.today.reset(day, rows)
}

// CostToday is today's (UTC) stored spend by tenant and team, from a running aggregate: no store
// query. With Redis it includes other replicas' records as of the last refresh (every 30 s).
func (l *Ledger) CostToday() []TeamCost { return l.today.snapshot(time.Now()) }
