package policy

import "context"

// Serving is the revision serving when it was asked for, pinned: what it
// reads, whether it has response rules, and the decisions made with it all
// come from that one revision, however many reloads happen in between. The
// gateway asks once per request, fills the parts Reads names, and decides
// both phases with it, so a reload to a policy that reads more can never
// meet an input built for the one before.
//
// A Serving is two pointers, passed by value; the zero Serving is unusable.
type Serving struct {
	e   *Engine
	rev *revision
}

// Serving pins the revision serving now.
func (e *Engine) Serving() Serving { return Serving{e: e, rev: e.rev.Load()} }

// Reads is the set of input parts the revision's rules can read, computed
// once when the revision was built; everything when that is unknown (the
// policy reads input as a whole or with a dynamic key). With a decision log
// it is everything too: the log records the whole input, so what it shows
// must have been filled.
func (s Serving) Reads() InputParts {
	if s.e.dlog != nil {
		return InputAll
	}
	return s.rev.reads
}

// UsesResponsePhase reports whether the revision can decide anything in the
// response phase (see Engine.UsesResponsePhase).
func (s Serving) UsesResponsePhase() bool { return s.rev.usesResponse }

// Revision is the revision's content hash (Decision.Revision).
func (s Serving) Revision() string { return s.rev.id }

// Decide evaluates the pinned revision for in (see Engine.Decide).
func (s Serving) Decide(ctx context.Context, in *Input) Decision { return s.e.decide(ctx, s.rev, in) }
