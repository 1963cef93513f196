package metering

import (
	"testing"
	"time"
)

// One admission serves the spend read and the reservation: the reservation
// counts exactly what Reserve would, a second Plan for the same subject
// keeps the plan, and a rewritten model plans again.
func TestAdmissionPlansOnceForSpendAndReserve(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLimiter func(RuleSource, *fakeClock) *Limiter) {
		clock := &fakeClock{t: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)}
		rules := &StaticRules{DefaultTeam: Limit{DailyMicros: 1000}, Models: map[string]Limit{"big": {RPM: 1}}}
		l := newLimiter(rules, clock)
		s := Subject{Tenant: "acme", Team: "search", KeyID: "k1", Model: "small"}

		var a Admission
		l.Plan(&a, s)
		first := &a.p.counters[0]
		sp, err := l.SpendPlanned(ctx, &a)
		if err != nil || sp.Team.DailyBudget != 1000 || sp.Team.TodayMicros != 0 {
			t.Fatalf("spend %+v, %v", sp, err)
		}
		l.Plan(&a, s)
		if &a.p.counters[0] != first {
			t.Fatal("a second Plan for the same subject built the counters again")
		}
		r, err := l.ReservePlanned(ctx, &a, 50, 600)
		if err != nil {
			t.Fatal(err)
		}
		if sp, _ := l.Spend(ctx, s); sp.Team.TodayMicros != 600 || sp.Tenant.TodayMicros != 600 {
			t.Fatalf("after reserving 600: %+v", sp)
		}
		if _, err := l.Reserve(ctx, s, 50, 600); limitErr(t, err).Kind != KindBudgetDaily {
			t.Fatalf("a second 600 must exceed the team's 1000: %v", err)
		}
		r.Settle(ctx, 40, 100)
		if sp, _ := l.Spend(ctx, s); sp.Team.TodayMicros != 100 {
			t.Fatalf("after settling at 100: %+v", sp)
		}

		// The policy rewrote the model: the big model's RPM applies.
		big := s
		big.Model = "big"
		l.Plan(&a, big)
		if _, err := l.ReservePlanned(ctx, &a, 1, 1); err != nil {
			t.Fatal(err)
		}
		if _, err := l.ReservePlanned(ctx, &a, 1, 1); limitErr(t, err).Kind != KindRequests {
			t.Fatalf("second request on the big model: %v, want its RPM of 1", err)
		}
	})
}

// The reservation lives in the Admission; reserving again while it is held
// (not settled or released) hands out another, so neither settles the
// other's amounts, and Reuse starts a fresh one.
func TestAdmissionKeepsAHeldReservation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLimiter func(RuleSource, *fakeClock) *Limiter) {
		clock := &fakeClock{t: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)}
		l := newLimiter(&StaticRules{DefaultTeam: Limit{DailyMicros: 10000}}, clock)
		s := Subject{Tenant: "acme", Team: "search", KeyID: "k1", Model: "m"}
		var a Admission
		l.Plan(&a, s)
		r1, err := l.ReservePlanned(ctx, &a, 10, 1000)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := l.ReservePlanned(ctx, &a, 10, 2000)
		if err != nil {
			t.Fatal(err)
		}
		if r1 == r2 {
			t.Fatal("a second reservation on a held admission reused the first")
		}
		spent := func() int64 { sp, _ := l.Spend(ctx, s); return sp.Team.TodayMicros }
		if got := spent(); got != 3000 {
			t.Fatalf("two reservations: %d; want 3000", got)
		}
		r1.Settle(ctx, 5, 100)
		r2.Release(ctx)
		r1.Settle(ctx, 5, 900) // a second settle does nothing
		if got := spent(); got != 100 {
			t.Fatalf("after settling the first at 100 and releasing the second: %d; want 100", got)
		}
		a = a.Reuse()
		l.Plan(&a, s)
		r3, err := l.ReservePlanned(ctx, &a, 10, 500)
		if err != nil {
			t.Fatal(err)
		}
		r3.Settle(ctx, 5, 50)
		if got := spent(); got != 150 {
			t.Fatalf("after a reused admission's reservation settled at 50: %d; want 150", got)
		}
	})
}
