package metering

import "context"

// ReserveRequest checks and counts one request against the RPM limits of
// s only: no tokens, no budget (a call that costs nothing upstream, such
// as feedback, shares the key's request rate with model calls but is
// never refused for a spent budget or a full token window). Denied: a
// *LimitError wrapping ErrRateLimited. Settle the reservation with 0, 0.
func (l *Limiter) ReserveRequest(ctx context.Context, s Subject) (*Reservation, error) {
	r := l.rules.Rules(s)
	r = Rules{Key: Limit{RPM: r.Key.RPM}, Team: Limit{RPM: r.Team.RPM}, Tenant: Limit{RPM: r.Tenant.RPM},
		Model: Limit{RPM: r.Model.RPM}}
	// Built outside the plan cache: its templates hold the full rules of s.
	a := Admission{subject: s, p: buildPlan(s, r, l.opts.Now(), 0, 0), planned: true}
	return l.ReservePlanned(ctx, &a, 0, 0)
}
