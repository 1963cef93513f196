package metering

// Admission is one request's limit counters, planned once: the policy's
// spend read (SpendPlanned) and the reservation (ReservePlanned) use the same
// keys without building them twice. The zero value is unplanned; the gateway
// keeps one in each request's state. Not safe for concurrent use.
type Admission struct {
	subject Subject
	p       plan
	planned bool
	res     Reservation // the reservation ReservePlanned hands out, kept here to spare an allocation
}

// Plan makes a the admission of s under the limits in force now. It does
// nothing when a is already planned for s (a policy that rewrote the model
// changed the subject, so the plan is built again).
func (l *Limiter) Plan(a *Admission, s Subject) {
	if a.planned && a.subject == s {
		return
	}
	a.subject, a.p, a.planned = s, l.plans.plan(a.p.counters, s, l.rules.Rules(s), l.opts.Now()), true
}

// setIncrements sets what the reservation adds: 1 request, est tokens and
// worst micro-USD of budget.
func (p *plan) setIncrements(est, worst int64) {
	p.id = 0
	for i := range p.counters {
		c := &p.counters[i]
		switch c.kind {
		case KindRequests:
			c.inc = 1
		case KindTokens:
			c.inc = est
		default:
			c.inc = worst
		}
	}
}

// reservation is where ReservePlanned puts a's reservation: a's own, unless
// that one is still held (not settled or released), then a new one.
func (a *Admission) reservation() *Reservation {
	if r := &a.res; r.l == nil || r.done.Load() {
		return r
	}
	return new(Reservation)
}

// Reuse empties a for another request, keeping its memory. A Reservation
// a handed out must be settled or released before.
func (a *Admission) Reuse() Admission {
	clear(a.p.counters) // their keys belong to a cached plan
	clear(a.res.items)
	return Admission{p: plan{counters: a.p.counters[:0]}, res: Reservation{items: a.res.items[:0]}}
}
