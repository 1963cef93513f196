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
