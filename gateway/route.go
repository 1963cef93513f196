package gateway

import (
	"sort"
	"strings"

	"github.com/tollgate-ai/tollgate/config"
)

// route is one pass-through route compiled for matching. Matching is on
// whole path segments, against the normalised path fasthttp gives
// (percent-decoded, "." and ".." resolved), so a client cannot step out of
// a route's prefix: what is matched is what is forwarded.
type route struct {
	prefix   string   // the configured pattern, for messages
	segs     []string // pattern segments; segs[modelSeg] is {model}
	modelSeg int      // -1: the path names no model
	model    string   // fixed model of a route whose path names none
	models   map[string]bool
	keys     map[string]bool // nil: every key
	upstream *upstream
	strip    bool
}

func newRoute(rc config.Route, up *upstream) route {
	r := route{prefix: rc.Prefix, modelSeg: -1, model: rc.Model, upstream: up, strip: rc.StripPrefix}
	if p := strings.Trim(rc.Prefix, "/"); p != "" {
		r.segs = strings.Split(p, "/")
	}
	for i, s := range r.segs {
		if s == config.ModelSegment {
			r.modelSeg = i
		}
	}
	r.models = set(rc.Models)
	r.keys = set(rc.Keys)
	return r
}

func set(names []string) map[string]bool {
	if len(names) == 0 {
		return nil
	}
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// sortRoutes puts the most specific routes first: more segments, then
// literal segments before {model}.
func sortRoutes(rs []route) {
	sort.SliceStable(rs, func(i, j int) bool {
		if len(rs[i].segs) != len(rs[j].segs) {
			return len(rs[i].segs) > len(rs[j].segs)
		}
		return rs[i].modelSeg < 0 && rs[j].modelSeg >= 0
	})
}

// match reports whether path lies under the route's prefix on segment
// boundaries. rest is what follows the prefix ("" or starting with '/'),
// model the {model} segment (nil when the pattern has none).
func (r *route) match(path []byte) (rest, model []byte, ok bool) {
	i := 0
	for k, seg := range r.segs {
		if i >= len(path) || path[i] != '/' {
			return nil, nil, false
		}
		i++
		end := i
		for end < len(path) && path[end] != '/' {
			end++
		}
		s := path[i:end]
		if k == r.modelSeg {
			if len(s) == 0 {
				return nil, nil, false
			}
			model = s
		} else if string(s) != seg {
			return nil, nil, false
		}
		i = end
	}
	return path[i:], model, true
}

// route finds the pass-through route for path, if any.
func (rt *servingConfig) route(path []byte) *route {
	for i := range rt.routes {
		if _, _, ok := rt.routes[i].match(path); ok {
			return &rt.routes[i]
		}
	}
	return nil
}

// authorize decides whether p may call the route for model ("" when the
// route knows none). A key limited to some models may use a route that
// names no model only when the route lists it: the route's upstream key
// must not widen what the key may reach.
func (r *route) authorize(p *Principal, model string) *APIError {
	if r.keys != nil && !r.keys[p.KeyID] {
		return &APIError{Status: 403, Type: typePermission, Code: "route_not_allowed",
			Message: "your key may not use the pass-through route " + r.prefix}
	}
	switch {
	case model == "":
		if p.models != nil && r.keys == nil {
			return &APIError{Status: 403, Type: typePermission, Code: "route_not_allowed",
				Message: "your key is limited to some models and the pass-through route " + r.prefix +
					" names none; list the key in the route's keys to allow it"}
		}
	case r.models != nil && !r.models[model]:
		return &APIError{Status: 404, Type: typeInvalidRequest, Code: "model_not_found", Param: "model",
			Message: "the route " + r.prefix + " serves no model '" + truncate(model, 200) + "'"}
	case !p.Allows(model):
		return &APIError{Status: 403, Type: typePermission, Code: "model_not_allowed", Param: "model",
			Message: "your key may not use model '" + truncate(model, 200) + "'"}
	}
	return nil
}
