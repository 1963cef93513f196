package filterstage

import (
	"strings"
	"sync"

	"github.com/tollgate-ai/tollgate/config"
)

// action is what the stage does with a finding of one kind.
type action uint8

const (
	actAllow  action = iota // ignored: not counted, not shown to the policy
	actFlag                 // counted and shown to the policy
	actRedact               // a typed placeholder in its place
	actPseudo               // a placeholder upstream, the original back for the client
	actDeny                 // the request refused, the answer withheld
	numActions
)

var actionNames = [numActions]string{"allow", "flag", "redact", "pseudonymize", "deny"}

func (a action) String() string { return actionNames[a] }

func parseAction(s string) action {
	for i, n := range actionNames {
		if n == s {
			return action(i)
		}
	}
	return actFlag // config validation rejects anything else
}

// rewrites reports whether the action changes the text.
func (a action) rewrites() bool { return a == actRedact || a == actPseudo }

// table maps kinds to actions: exact kinds, then families ("pii"), then
// the default.
type table struct {
	exact    map[string]action
	families map[string]action
	def      action
	holds    bool // some kind is redacted or denied: a stream must hold text back
}

func (t *table) action(kind string) action {
	if a, ok := t.exact[kind]; ok {
		return a
	}
	if i := strings.IndexByte(kind, '.'); i > 0 {
		if a, ok := t.families[kind[:i]]; ok {
			return a
		}
	}
	return t.def
}

// apply layers the entries of a (config) over t.
func (t *table) apply(a config.FilterActions) {
	for k, v := range a {
		act := parseAction(v)
		switch {
		case k == config.FilterDefaultKey:
			t.def = act
		case strings.HasSuffix(k, ".*"):
			t.families[strings.TrimSuffix(k, ".*")] = act
		default:
			t.exact[k] = act
		}
	}
	t.holds = t.def == actRedact || t.def == actDeny
	for _, m := range [2]map[string]action{t.exact, t.families} {
		for _, act := range m {
			if act == actRedact || act == actDeny {
				t.holds = true
			}
		}
	}
}

func (t *table) clone() table {
	c := table{exact: make(map[string]action, len(t.exact)), families: make(map[string]action, len(t.families)), def: t.def, holds: t.holds}
	for k, v := range t.exact {
		c.exact[k] = v
	}
	for k, v := range t.families {
		c.families[k] = v
	}
	return c
}

// tables are the input and output actions in force for one request.
type tables struct {
	in, out table
	profile string // outputProfile of out
}

// rules are the actions config compiled: the base tables, the overrides,
// and the tables resolved for each set of matching overrides (cached: the
// sets that occur are few).
type rules struct {
	scan      string // scanIdentity of the config
	base      tables
	overrides []config.FilterOverride
	resolved  sync.Map // uint64 (bit i: override i matches) → *tables
}

func newRules(c *config.FiltersConfig) *rules {
	p := &rules{overrides: c.Overrides, scan: scanIdentity(c)}
	p.base.in = table{exact: map[string]action{}, families: map[string]action{}, def: actFlag}
	p.base.out = table{exact: map[string]action{}, families: map[string]action{}, def: actFlag}
	p.base.in.apply(c.Input)
	p.base.out.apply(c.Output)
	p.base.profile = outputProfile(&p.base.out, p.scan)
	p.resolved.Store(uint64(0), &p.base)
	return p
}

// tablesFor returns the actions for a request by tenant, key id and model.
func (p *rules) tablesFor(tenant, key, model string) *tables {
	var mask uint64
	for i := range p.overrides {
		o := &p.overrides[i]
		if (o.Tenant == "" || o.Tenant == tenant) && (o.Key == "" || o.Key == key) && (o.Model == "" || o.Model == model) {
			mask |= 1 << i
		}
	}
	if t, ok := p.resolved.Load(mask); ok {
		return t.(*tables)
	}
	t := &tables{in: p.base.in.clone(), out: p.base.out.clone()}
	for i := range p.overrides {
		if mask&(1<<i) != 0 {
			t.in.apply(p.overrides[i].Input)
			t.out.apply(p.overrides[i].Output)
		}
	}
	t.profile = outputProfile(&t.out, p.scan)
	got, _ := p.resolved.LoadOrStore(mask, t)
	return got.(*tables)
}

// redacts reports whether a policy's redact list names kind (or its
// family, "pii.*").
func redacts(list []string, kind string) bool {
	for _, k := range list {
		if k == kind {
			return true
		}
		if f, ok := strings.CutSuffix(k, ".*"); ok && strings.HasPrefix(kind, f) && len(kind) > len(f) && kind[len(f)] == '.' {
			return true
		}
	}
	return false
}

// decided is kind's action once the policy's redact list is taken into
// account: it raises allow, flag and pseudonymize to redact, never deny.
func decided(t *table, kind string, redact []string) action {
	a := t.action(kind)
	if a != actDeny && len(redact) > 0 && redacts(redact, kind) {
		return actRedact
	}
	return a
}
