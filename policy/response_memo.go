package policy

import (
	"hash/maphash"
	"slices"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/VictoriaMetrics/metrics"
	"github.com/open-policy-agent/opa/v1/ast"
)

// responseMemo remembers a revision's response-phase decisions. The
// response phase's decision of a deterministic program is a function of the
// data document (fixed per revision) and of the input fields the evaluation
// looked at, which the lazy input records (lazyInput.reads). An entry keeps
// those fields' exact values (appendMemoKey); an input with the same values
// for the same fields gets the same decision without an evaluation. For the
// examples, a clean answer's response phase reads the phase, the principal
// and the response's findings (each rule stops at `input.phase ==
// "request"`), so every answer of a key without output findings is one entry.
//
// Lock-free and bounded: a fixed table of immutable entries, one per slot
// (a new entry for a taken slot evicts the old one); a handful of read sets
// (masks), each a separate key space. Dropped with its revision on reload.
type responseMemo struct {
	seed  maphash.Seed
	masks atomic.Pointer[[]fieldMask] // the read sets seen so far, at most maxMemoMasks
	slots [memoSlots]atomic.Pointer[memoEntry]
}

const (
	memoSlots    = 256
	maxMemoMasks = 4
)

type memoEntry struct {
	mask fieldMask
	key  string
	d    Decision // response fields only; never handed out as is (see get)
}

var (
	memoHits      = metrics.NewCounter(`tollgate_policy_response_memo_total{result="hit"}`)
	memoMisses    = metrics.NewCounter(`tollgate_policy_response_memo_total{result="miss"}`)
	memoEvictions = metrics.NewCounter(`tollgate_policy_response_memo_evictions_total`)
)

func newResponseMemo() *responseMemo {
	m := &responseMemo{seed: maphash.MakeSeed()}
	m.masks.Store(new([]fieldMask))
	return m
}

// get returns the remembered decision for in, if any. Its slices are the
// caller's own: the entry is shared by every later hit.
func (m *responseMemo) get(in *Input) (Decision, bool) {
	for _, mask := range *m.masks.Load() {
		var buf [memoKeyMax + 64]byte
		key, ok := appendMemoKey(buf[:0], in, mask)
		if !ok {
			continue
		}
		e := m.slots[maphash.Bytes(m.seed, key)%memoSlots].Load()
		if e != nil && e.mask == mask && e.key == string(key) {
			memoHits.Inc()
			d := e.d
			d.Reasons, d.Redact = slices.Clone(d.Reasons), slices.Clone(d.Redact)
			return d, true
		}
	}
	memoMisses.Inc()
	return Decision{}, false
}

// put remembers d, evaluated for in reading the fields in mask. A key past
// memoKeyMax, or a fifth distinct read set, is not remembered.
func (m *responseMemo) put(in *Input, mask fieldMask, d Decision) {
	var buf [memoKeyMax + 64]byte
	key, ok := appendMemoKey(buf[:0], in, mask)
	if !ok || !m.addMask(mask) {
		return
	}
	e := &memoEntry{mask: mask, key: string(key), d: ownDecision(d)}
	if old := m.slots[maphash.Bytes(m.seed, key)%memoSlots].Swap(e); old != nil && (old.mask != mask || old.key != e.key) {
		memoEvictions.Inc()
	}
}

// addMask adds mask to the read sets; false when it is new and there are
// already maxMemoMasks.
func (m *responseMemo) addMask(mask fieldMask) bool {
	for {
		cur := m.masks.Load()
		if slices.Contains(*cur, mask) {
			return true
		}
		if len(*cur) >= maxMemoMasks {
			return false
		}
		next := append(slices.Clip(*cur), mask)
		if m.masks.CompareAndSwap(cur, &next) {
			return true
		}
	}
}

// ownDecision is d with its own copies of everything it refers to: the
// entry outlives the request whose input some strings may come from.
func ownDecision(d Decision) Decision {
	d.Reasons = slices.Clone(d.Reasons)
	for i := range d.Reasons {
		d.Reasons[i].Code, d.Reasons[i].Message = strings.Clone(d.Reasons[i].Code), strings.Clone(d.Reasons[i].Message)
	}
	d.Redact = slices.Clone(d.Redact)
	for i := range d.Redact {
		d.Redact[i] = strings.Clone(d.Redact[i])
	}
	return d
}

// responseMemoFor returns the revision's memo, or nil and why it has none:
// the memo is sound only when the response phase is a deterministic
// function of the fields the lazy input records.
func responseMemoFor(rev *revision, compiled []*ast.Module) (*responseMemo, string) {
	if nd := nondeterministicCalls(compiled); len(nd) > 0 {
		return nil, "the policy calls " + strings.Join(nd, ", ") + ", whose answers vary between calls"
	}
	if rev.prog == nil {
		return nil, "the compiled evaluator does not serve this revision (only its lazy input records what is read)"
	}
	if len(rev.prog.Nondeterministic()) > 0 || rev.responseProg != nil && len(rev.responseProg.Nondeterministic()) > 0 {
		return nil, "the plan calls a nondeterministic builtin"
	}
	if rev.terms.shape == nil || rev.terms.shape.all {
		return nil, "the policy reads input as a whole or with a variable key"
	}
	return newResponseMemo(), ""
}

// nondeterministicCalls lists the builtins the modules call whose answers
// vary between calls: those OPA marks (time.now_ns, rand.intn, http.send,
// uuid.rfc4122...) and those that read the clock unmarked (clockBuiltins).
// The engine compiles print statements away.
func nondeterministicCalls(mods []*ast.Module) []string {
	seen := map[string]bool{}
	note := func(op ast.Ref) {
		name := op.String()
		if b := ast.BuiltinMap[name]; b != nil && b.Nondeterministic || clockBuiltins[name] {
			seen[name] = true
		}
	}
	for _, m := range mods {
		ast.WalkExprs(m, func(e *ast.Expr) bool {
			if e.IsCall() {
				note(e.Operator())
			}
			return false
		})
		ast.WalkTerms(m, func(t *ast.Term) bool {
			if c, ok := t.Value.(ast.Call); ok && len(c) > 0 {
				if r, ok := c[0].Value.(ast.Ref); ok {
					note(r)
				}
			}
			return false
		})
	}
	out := make([]string, 0, len(seen))
	for name := range seen {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// clockBuiltins verify against the current time without OPA marking them
// nondeterministic (Go's x509 verification checks a certificate's validity
// at time.Now). OPA marks io.jwt.decode_verify.
var clockBuiltins = map[string]bool{
	"crypto.x509.parse_and_verify_certificates":              true,
	"crypto.x509.parse_and_verify_certificates_with_options": true,
}
