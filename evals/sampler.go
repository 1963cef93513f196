package evals

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/policy"
)

// Sampler decides per request whether it is sampled.
//
// Method: stratified Bernoulli sampling with a floor and a cap per stratum.
// A stratum is one (tenant, model) pair and one wall-clock minute. Each
// request is taken with its rate p (tenant's, else model's, else the
// default); in addition the first MinPerMinute requests of a stratum in a
// minute are always taken (a tenant sending ten requests an hour is still
// seen at a 1 % rate), and once MaxPerMinute were taken the stratum takes
// no more that minute (a tenant sending thousands a second cannot fill
// the queue and drown the others). The policy's sample_rate, when set,
// replaces all of that for the request: exactly Bernoulli(sample_rate),
// no floor and no cap (the queue still bounds it). Each sample records the
// probability it was taken with (1 for the floor), so analyses can weight.
//
// The unsampled path is two map lookups, a few atomics and one random
// number: no allocation, no lock.
type Sampler struct {
	rates  atomic.Pointer[rates]
	strata atomic.Pointer[map[stratumKey]*stratum] // copy on write
	mu     sync.Mutex                              // serialises new strata
	rnd    func() uint64
}

type rates struct {
	def      float64
	models   map[string]float64
	tenants  map[string]float64
	min, max int64
}

type stratumKey struct{ tenant, model string }

// stratum counts what one (tenant, model) took in its current minute.
type stratum struct {
	minute atomic.Int64
	taken  atomic.Int64
}

// maxStrata bounds the strata kept; later pairs share one overflow
// stratum (tenants and models are configured, so this is a safeguard).
const maxStrata = 4096

var overflow = stratumKey{"\x00", "\x00"}

// NewSampler builds a sampler from the evals section. rnd draws uniform
// 64-bit numbers (nil: math/rand/v2's, per goroutine, no lock); tests pass
// a seeded source.
func NewSampler(c *config.EvalsConfig, rnd func() uint64) *Sampler {
	if rnd == nil {
		rnd = rand.Uint64
	}
	s := &Sampler{rnd: rnd}
	m := map[stratumKey]*stratum{}
	s.strata.Store(&m)
	s.Reload(c)
	return s
}

// Reload puts new rates in force; the strata's counts carry over.
func (s *Sampler) Reload(c *config.EvalsConfig) {
	r := &rates{def: 0.01, models: map[string]float64{}, tenants: map[string]float64{}, max: int64(c.MaxPerMinute)}
	if c.SampleRate != nil {
		r.def = *c.SampleRate
	}
	if c.MinPerMinute != nil {
		r.min = int64(*c.MinPerMinute)
	}
	if r.max <= 0 {
		r.max = 60
	}
	for name, m := range c.Models {
		r.models[name] = m.SampleRate
	}
	for name, t := range c.Tenants {
		r.tenants[name] = t.SampleRate
	}
	s.rates.Store(r)
}

// Decide reports whether the request is sampled, and the probability it
// was taken with. minute is the wall clock in minutes (unix seconds / 60).
func (s *Sampler) Decide(tenant, model string, d *policy.Decision, minute int64) (bool, float64) {
	if d != nil && d.HasSampleRate {
		return s.draw(d.SampleRate), d.SampleRate
	}
	r := s.rates.Load()
	p, ok := r.tenants[tenant]
	if !ok {
		if p, ok = r.models[model]; !ok {
			p = r.def
		}
	}
	st := s.stratum(tenant, model)
	taken := st.roll(minute)
	switch {
	case taken >= r.max:
		return false, p
	case taken < r.min:
		if st.taken.Add(1) <= r.max {
			return true, 1
		}
		return false, p
	case s.draw(p):
		if st.taken.Add(1) <= r.max {
			return true, p
		}
	}
	return false, p
}

// draw is true with probability p.
func (s *Sampler) draw(p float64) bool {
	if p <= 0 {
		return false
	}
	if p >= 1 {
		return true
	}
	return float64(s.rnd()>>11)*(1.0/(1<<53)) < p
}

// roll moves the stratum to minute (a new minute starts at zero) and
// returns what it took so far. Two requests crossing a minute together may
// both count in the new one: the floor and cap are approximate by a few.
func (st *stratum) roll(minute int64) int64 {
	for {
		cur := st.minute.Load()
		if cur == minute {
			return st.taken.Load()
		}
		if cur > minute { // a late request from the previous minute
			return st.taken.Load()
		}
		if st.minute.CompareAndSwap(cur, minute) {
			st.taken.Store(0)
			return 0
		}
	}
}

func (s *Sampler) stratum(tenant, model string) *stratum {
	if st := (*s.strata.Load())[stratumKey{tenant, model}]; st != nil {
		return st
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := *s.strata.Load()
	k := stratumKey{tenant, model}
	if st := old[k]; st != nil {
		return st
	}
	if len(old) >= maxStrata {
		k = overflow
		if st := old[k]; st != nil {
			return st
		}
	}
	m := make(map[stratumKey]*stratum, len(old)+1)
	for kk, v := range old {
		m[kk] = v
	}
	st := &stratum{}
	m[k] = st
	s.strata.Store(&m)
	return st
}
