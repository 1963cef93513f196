package drift

import "github.com/tollgate-ai/tollgate/evals"

// queued is a sample or a feedback record on the monitor's queue.
type queued struct {
	s     evals.Sample
	fb    *evals.JoinKey // set for feedback
	score float64
}

// slotRef locates a held vector: the model, baseline or ring, the index.
type slotRef struct {
	st   *modelState
	base bool
	i    int
}

// keyOf is the join key of a sample; zero when it has no request id.
func keyOf(s *evals.Sample) evals.JoinKey {
	if s.RequestID == "" {
		return evals.JoinKey{}
	}
	return evals.JoinKey{Tenant: s.Tenant, RequestID: s.RequestID}
}

// index and unindex keep m.byID to the vectors held: at most the
// baselines and windows of the tracked models (m.mu held).
func (m *Monitor) index(k evals.JoinKey, r slotRef) {
	if k.RequestID != "" {
		m.byID[k] = r
	}
}

func (m *Monitor) unindex(k evals.JoinKey, r slotRef) {
	if k.RequestID != "" && m.byID[k] == r {
		delete(m.byID, k)
	}
}

// appendBaseline files v in the baseline being gathered (m.mu held).
func (m *Monitor) appendBaseline(st *modelState, s *evals.Sample, v Vector) {
	k := keyOf(s)
	st.baseline = append(st.baseline, v)
	st.baseKeys = append(st.baseKeys, k)
	m.index(k, slotRef{st, true, len(st.baseline) - 1})
}

// addFeedback sets the feedback_score feature of the held sample the
// feedback rates (the latest feedback wins); feedback on a sample the
// monitor no longer holds (or never saw) is ignored.
func (m *Monitor) addFeedback(k evals.JoinKey, score float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.byID[k]
	if !ok {
		return
	}
	if r.base { // evaluate copies both under the lock
		r.st.baseline[r.i].SetFeedback(score)
	} else {
		r.st.ring[r.i].SetFeedback(score)
	}
}
