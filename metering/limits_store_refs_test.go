package metering

import (
	"math/rand/v2"
	"testing"
	"time"
)

// A settlement through the entries its reservation found (memRef) leaves
// the embedded store exactly as looking every key up again did: random
// reservations, settlements and releases, out of order, across expiries,
// sweeps and day changes, on two stores, one of them settling without refs.
func TestMemStoreRefsSettleAsLookups(t *testing.T) {
	rules := &StaticRules{DefaultKey: Limit{RPM: 40, TPM: 4000, DailyMicros: 50_000}, DefaultTeam: Limit{MonthlyMicros: 400_000},
		DefaultTenant: Limit{TotalMicros: 900_000}, DefaultModel: Limit{TPM: 6000}}
	clock := &fakeClock{t: time.Date(2026, 1, 30, 23, 0, 0, 0, time.UTC)}
	newL := func() *Limiter {
		l, err := NewLimiter(LimitsOptions{Now: clock.Now, Logger: quietLog()}, rules)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	withRefs, without := newL(), newL()
	subjects := []Subject{{Tenant: "a", Team: "t", KeyID: "k1", Model: "m"}, {Tenant: "a", Team: "t", KeyID: "k2", Model: "m"},
		{Tenant: "b", KeyID: "k3", Model: "n"}}
	type held struct{ a, b *Reservation }
	var open []held
	rnd := rand.New(rand.NewPCG(13, 14))
	for step := range 20000 {
		switch op := rnd.IntN(10); {
		case op < 5:
			s := subjects[rnd.IntN(len(subjects))]
			est, worst := rnd.IntN(300), int64(rnd.IntN(3000))
			ra, erra := withRefs.Reserve(ctx, s, est, worst)
			rb, errb := without.Reserve(ctx, s, est, worst)
			if (erra == nil) != (errb == nil) {
				t.Fatalf("step %d: reserve %v vs %v", step, erra, errb)
			}
			if erra == nil {
				for i := range rb.items {
					rb.items[i].ref = memRef{}
				}
				open = append(open, held{ra, rb})
			}
		case op < 8 && len(open) > 0:
			i := rnd.IntN(len(open))
			h := open[i]
			open = append(open[:i], open[i+1:]...)
			if rnd.IntN(4) == 0 {
				h.a.Release(ctx)
				h.b.Release(ctx)
			} else {
				tok, cost := rnd.IntN(400), int64(rnd.IntN(4000))
				h.a.Settle(ctx, tok, cost)
				h.b.Settle(ctx, tok, cost)
			}
		default:
			clock.Add(time.Duration(rnd.Int64N(int64(3 * time.Hour))))
		}
	}
	a, b := withRefs.local, without.local
	if len(a.m) != len(b.m) || len(a.logs) != len(b.logs) {
		t.Fatalf("stores differ: %d/%d counters, %d/%d logs", len(a.m), len(b.m), len(a.logs), len(b.logs))
	}
	for k, c := range a.m {
		if d := b.m[k]; d == nil || d.v != c.v || d.exp != c.exp {
			t.Fatalf("counter %s: %+v vs %+v", k, c, d)
		}
	}
	for k, g := range a.logs {
		if h := b.logs[k]; h == nil || h.sum != g.sum || len(h.ent) != len(g.ent) {
			t.Fatalf("log %s: sum %d vs %+v", k, g.sum, h)
		}
	}
}
