package gateway

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/tollgate-ai/tollgate/config"
)

// selector picks the next deployment to try. tried marks deployments this
// request already used (bit i = deployments[i]); -1 means none is usable.
type selector interface {
	pick(ds []*deployment, tried uint64, now time.Time) int
}

var (
	_ selector = weighted{}
	_ selector = leastInFlight{}
	_ selector = latencyAware{}
)

func newSelector(strategy string) selector {
	switch strategy {
	case config.BalanceWeighted:
		return weighted{}
	case config.BalanceLeastInFlight:
		return leastInFlight{}
	default:
		return latencyAware{}
	}
}

func candidate(d *deployment, i int, tried uint64, now time.Time) bool {
	return i < 64 && tried&(1<<uint(i)) == 0 && d.usable(now)
}

// weighted picks at random in proportion to weight.
type weighted struct{}

func (weighted) pick(ds []*deployment, tried uint64, now time.Time) int {
	total := 0
	for i, d := range ds {
		if candidate(d, i, tried, now) {
			total += d.weight
		}
	}
	if total == 0 {
		return -1
	}
	r := rand.IntN(total)
	for i, d := range ds {
		if candidate(d, i, tried, now) {
			if r < d.weight {
				return i
			}
			r -= d.weight
		}
	}
	return -1
}

// minScore returns the candidate with the lowest score, scanning from a
// random offset so ties spread load. A score below zero picks at once.
func minScore(ds []*deployment, tried uint64, now time.Time, score func(*deployment) float64) int {
	best, bestScore := -1, math.MaxFloat64
	off := 0
	if len(ds) > 1 {
		off = rand.IntN(len(ds))
	}
	for k := range ds {
		i := (k + off) % len(ds)
		d := ds[i]
		if !candidate(d, i, tried, now) {
			continue
		}
		s := score(d)
		if s < 0 {
			return i
		}
		if s < bestScore {
			best, bestScore = i, s
		}
	}
	return best
}

// leastInFlight picks the lowest in-flight count per unit of weight; ties go
// to a random one so equal deployments share load.
type leastInFlight struct{}

func (leastInFlight) pick(ds []*deployment, tried uint64, now time.Time) int {
	return minScore(ds, tried, now, func(d *deployment) float64 {
		return float64(d.inflight.Load()) / float64(d.weight)
	})
}

// latencyAware picks the lowest expected wait: latency EWMA × (in-flight+1)
// / weight. Unmeasured deployments go first, and 1 pick in 20 explores at
// random so a deployment that got faster is noticed again.
type latencyAware struct{}

const exploreOneIn = 20

func (latencyAware) pick(ds []*deployment, tried uint64, now time.Time) int {
	if len(ds) > 1 && rand.IntN(exploreOneIn) == 0 {
		if i := (weighted{}).pick(ds, tried, now); i >= 0 {
			return i
		}
	}
	return minScore(ds, tried, now, latencyScore)
}

func latencyScore(d *deployment) float64 {
	e := d.ewmaNanos.Load()
	if e == 0 {
		return -1 // never measured: try it
	}
	return float64(e) * float64(d.inflight.Load()+1) / float64(d.weight)
}
