// Package filterstage is the gateway stage that runs the content filters
// (package filters) on requests, buffered answers and streams: findings
// before the policy decides, then the configured actions (allow, flag,
// redact, pseudonymize, deny) per kind, tenant, key and model.
package filterstage

import (
	"errors"
	"sync"
	"sync/atomic"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/filters"
	"github.com/tollgate-ai/tollgate/gateway"
)

// Scanner finds the findings in one text (filters.Scanner): in the text's
// own byte offsets, sorted by start, thresholds applied, safe for
// concurrent use. MaxSpan is the longest span a finding can have (context
// it needs included): the stream window.
type Scanner interface {
	Scan(text []byte, dst []filters.Finding) []filters.Finding
	MaxSpan() int
}

// Stage runs the filters in the gateway's pipeline (gateway.Stages.Filters).
type Stage struct {
	cur atomic.Pointer[settings]
}

var (
	_ gateway.RequestInspector  = (*Stage)(nil)
	_ gateway.DecisionApplier   = (*Stage)(nil)
	_ gateway.StreamInspector   = (*Stage)(nil)
	_ gateway.ResponseFinder    = (*Stage)(nil)
	_ gateway.ResponseInspector = (*Stage)(nil)
	_ gateway.Finisher          = (*Stage)(nil)
	_ gateway.UISection         = (*Stage)(nil)
)

// settings are one config's: a reload swaps them whole, and a request
// keeps those it started with.
type settings struct {
	sc     Scanner
	scOut  Scanner // sc without the injection classifier, for answers that allow it; nil: sc
	pol    *rules
	window int // the longest run of text a stream holds back
	block  int // the longest key block a stream holds back
}

// New builds the stage from the filters section and a scanner.
func New(cfg config.FiltersConfig, sc Scanner) (*Stage, error) {
	s := &Stage{}
	if err := s.Reload(cfg, sc); err != nil {
		return nil, err
	}
	return s, nil
}

// Reload puts a new config (and scanner) in force for the requests that
// start from now on.
func (s *Stage) Reload(cfg config.FiltersConfig, sc Scanner) error {
	if sc == nil {
		return errors.New("filters: no scanner")
	}
	w := cfg.Stream.WindowBytes
	if w == 0 {
		w = config.DefaultFilterWindow
		if m := sc.MaxSpan(); m > 0 {
			w = min(m, w)
		}
	}
	s.cur.Store(&settings{sc: sc, scOut: withoutClassifier(cfg.Scan, sc), pol: newRules(&cfg), window: max(w, 1), block: max(w, sc.MaxSpan())})
	return nil
}

// Name keys the stage's ledger note and /ui section.
func (s *Stage) Name() string { return "filters" }

// UISection shows the findings so far per kind and action.
func (s *Stage) UISection() any {
	return map[string]any{"findings": findingsTotal.snapshot()}
}

// reqState is one request's, from inspection to Finish.
type reqState struct {
	set       *settings
	t         *tables
	tx        texter
	inspected []byte // the body InspectRequest walked (identity only)
	texts     []strSpan
	found     []found // the request's findings, in text order
	fbuf      []filters.Finding
	edits     []edit
	etmp      []edit
	tmp       []byte
	vault     vault
	tally     tally
	counted   bool // the input findings are in the tally

	// a buffered answer's
	answer      []strSpan
	outFound    []found
	outBody     []byte // the answer outFound was found in (identity only)
	outCounted  bool
	replacement []byte

	stream streamFilter
}

// found is a finding in text number text.
type found struct {
	text int
	f    filters.Finding
}

var statePool = sync.Pool{New: func() any { return new(reqState) }}

func (st *reqState) release() {
	st.set, st.t, st.inspected = nil, nil, nil
	st.texts, st.found, st.fbuf = st.texts[:0], st.found[:0], st.fbuf[:0]
	st.answer, st.outFound, st.outBody, st.outCounted, st.counted = st.answer[:0], st.outFound[:0], nil, false, false
	st.replacement = nil
	st.tmp, st.tx.buf, st.vault.arena = keep(st.tmp), keep(st.tx.buf), keep(st.vault.arena)
	st.vault.reset()
	st.tally.rows = st.tally.rows[:0]
	st.stream.reset()
	statePool.Put(st)
}

// keep returns b emptied for reuse, or nil when it grew too large to pin
// in the pool (a megabyte prompt).
func keep(b []byte) []byte {
	if cap(b) > 1<<20 {
		return nil
	}
	return b[:0]
}
