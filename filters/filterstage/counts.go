package filterstage

import (
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/VictoriaMetrics/metrics"
)

// tally counts one request's findings per kind, direction and action (the
// ledger note), never the values.
type tally struct {
	rows []tallyRow
}

type tallyRow struct {
	kind   string
	output bool
	act    action
	n      int
}

func (t *tally) add(kind string, output bool, act action) {
	if act == actAllow {
		return
	}
	for i := range t.rows {
		r := &t.rows[i]
		if r.kind == kind && r.output == output && r.act == act {
			r.n++
			return
		}
	}
	t.rows = append(t.rows, tallyRow{kind: kind, output: output, act: act, n: 1})
}

// note renders the ledger note: counts per kind, requests then answers,
// "in:pii.email=2,injection=1;out:secret.github_token=1".
func (t *tally) note() string {
	if len(t.rows) == 0 {
		return ""
	}
	sort.Slice(t.rows, func(i, j int) bool {
		a, b := t.rows[i], t.rows[j]
		if a.output != b.output {
			return !a.output
		}
		return a.kind < b.kind
	})
	var b strings.Builder
	dir := -1
	for i := 0; i < len(t.rows); {
		r, n, j := t.rows[i], 0, i
		for ; j < len(t.rows) && t.rows[j].kind == r.kind && t.rows[j].output == r.output; j++ {
			n += t.rows[j].n // one kind under two actions (a policy's redact): one count
		}
		i = j
		d := 0
		if r.output {
			d = 1
		}
		switch {
		case d != dir && dir >= 0:
			b.WriteByte(';')
			fallthrough
		case d != dir:
			b.WriteString([2]string{"in:", "out:"}[d])
			dir = d
		default:
			b.WriteByte(',')
		}
		b.WriteString(r.kind)
		b.WriteByte('=')
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}

// findingsTotal is tollgate_filter_findings_total{kind,action}. Kinds come
// from the detectors (a fixed set plus the configured blocklists); past
// maxKinds the rest count as kind "other", keeping the series bounded.
var findingsTotal = newKindCounters(256)

type kindCounters struct {
	max    int
	mu     sync.RWMutex
	byKind map[string]*[numActions]*metrics.Counter
}

func newKindCounters(max int) *kindCounters {
	return &kindCounters{max: max, byKind: map[string]*[numActions]*metrics.Counter{}}
}

func (k *kindCounters) inc(kind string, act action, n int) {
	k.mu.RLock()
	c := k.byKind[kind]
	k.mu.RUnlock()
	if c == nil {
		c = k.counters(kind)
	}
	c[act].Add(n)
}

func (k *kindCounters) counters(kind string) *[numActions]*metrics.Counter {
	k.mu.Lock()
	defer k.mu.Unlock()
	if c := k.byKind[kind]; c != nil {
		return c
	}
	if len(k.byKind) >= k.max || !labelSafe(kind) {
		kind = "other"
		if c := k.byKind[kind]; c != nil {
			return c
		}
	}
	c := new([numActions]*metrics.Counter)
	for a := range c {
		c[a] = metrics.GetOrCreateCounter(`tollgate_filter_findings_total{kind="` + kind + `",action="` + action(a).String() + `"}`)
	}
	k.byKind[kind] = c
	return c
}

// labelSafe accepts kinds that need no escaping in a label value.
func labelSafe(kind string) bool {
	if kind == "" || len(kind) > 64 {
		return false
	}
	for i := 0; i < len(kind); i++ {
		c := kind[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// snapshot is the /ui section: findings so far per kind and action.
func (k *kindCounters) snapshot() map[string]map[string]uint64 {
	k.mu.RLock()
	defer k.mu.RUnlock()
	out := make(map[string]map[string]uint64, len(k.byKind))
	for kind, c := range k.byKind {
		m := map[string]uint64{}
		for a, ctr := range c {
			if v := ctr.Get(); v > 0 {
				m[action(a).String()] = v
			}
		}
		if len(m) > 0 {
			out[kind] = m
		}
	}
	return out
}
