package policy

import (
	"hash/maphash"
	"maps"
	"sync/atomic"

	"github.com/open-policy-agent/opa/v1/ast"
)

// termCache holds the per-revision parts of input building that do not
// change per request: string terms for every string the policy or its data
// mentions (models, tenants, kinds...), and the last health, time and
// principal objects, reused while the gateway passes equal values.
type termCache struct {
	strs       map[string]*ast.Term // read-only after build
	shape      *inputShape          // read-only after build; nil builds everything
	health     atomic.Pointer[healthEntry]
	time       atomic.Pointer[timeEntry]
	principals [64]atomic.Pointer[principalEntry]
}

type healthEntry struct {
	src  map[string]ModelHealth
	term *ast.Term
}

type timeEntry struct {
	src  Time
	term *ast.Term
}

type principalEntry struct {
	src  Principal // Tags copied
	term *ast.Term
}

// maxInterned bounds the string table of a revision with a huge data document.
const maxInterned = 1 << 16

// commonStrings are input values the gateway sends whatever the policy says.
var commonStrings = []string{
	"request", "response", "healthy", "degraded", "unhealthy",
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
	"/v1/chat/completions", "/v1/completions", "/v1/embeddings", "stop", "length", "tool_calls", "content_filter",
}

func newTermCache(modules []*ast.Module, data map[string]any) *termCache {
	c := &termCache{strs: make(map[string]*ast.Term)}
	add := func(s string) {
		if _, ok := c.strs[s]; !ok && len(c.strs) < maxInterned {
			c.strs[s] = ast.StringTerm(s)
		}
	}
	for _, s := range commonStrings {
		add(s)
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			add(x)
		case map[string]any:
			for k, v := range x {
				add(k)
				walk(v)
			}
		case []any:
			for _, v := range x {
				walk(v)
			}
		}
	}
	walk(data)
	for _, m := range modules {
		ast.WalkTerms(m, func(t *ast.Term) bool {
			if s, ok := t.Value.(ast.String); ok {
				add(string(s))
			}
			return false
		})
	}
	return c
}

// str returns a shared term for s when one exists, else a new one.
func (c *termCache) str(s string) *ast.Term {
	if t, ok := c.strs[s]; ok {
		return t
	}
	return ast.InternedTerm(s)
}

func (c *termCache) healthTerm(h map[string]ModelHealth) *ast.Term {
	if len(h) == 0 {
		return emptyObject
	}
	if e := c.health.Load(); e != nil && maps.Equal(e.src, h) {
		return e.term
	}
	kv := make([][2]*ast.Term, 0, len(h))
	for model, mh := range h {
		kv = append(kv, item(c.str(model), ast.ObjectTerm(
			item(kStatus, c.str(mh.Status)),
			item(kErrorRate, floatTerm(mh.ErrorRate)),
			item(kP99Ms, floatTerm(mh.P99Ms)))))
	}
	t := ast.ObjectTerm(kv...)
	c.health.Store(&healthEntry{src: maps.Clone(h), term: t})
	return t
}

func (c *termCache) timeTerm(tm *Time) *ast.Term {
	if e := c.time.Load(); e != nil && e.src == *tm {
		return e.term
	}
	t := ast.ObjectTerm(
		item(kNow, ast.StringTerm(tm.Now)),
		item(kHour, intTerm(tm.Hour)),
		item(kWeekday, c.str(tm.Weekday)))
	c.time.Store(&timeEntry{src: *tm, term: t})
	return t
}

// stringMapTerm builds a map term that outlives one input (cached parts).
func (c *termCache) stringMapTerm(m map[string]string) *ast.Term {
	if len(m) == 0 {
		return emptyObject
	}
	kv := make([][2]*ast.Term, 0, len(m))
	for k, v := range m {
		kv = append(kv, item(c.str(k), c.str(v)))
	}
	return ast.ObjectTerm(kv...)
}

var principalSeed = maphash.MakeSeed()

func (c *termCache) principalTerm(p *Principal) *ast.Term {
	slot := &c.principals[maphash.String(principalSeed, p.KeyID)%uint64(len(c.principals))]
	if e := slot.Load(); e != nil && e.src.KeyID == p.KeyID && e.src.Tenant == p.Tenant &&
		e.src.Team == p.Team && maps.Equal(e.src.Tags, p.Tags) {
		return e.term
	}
	t := ast.ObjectTerm(
		item(kTenant, c.str(p.Tenant)),
		item(kTeam, c.str(p.Team)),
		item(kKeyID, ast.StringTerm(p.KeyID)),
		item(kTags, c.stringMapTerm(p.Tags)))
	src := *p
	src.Tags = maps.Clone(p.Tags)
	slot.Store(&principalEntry{src: src, term: t})
	return t
}
