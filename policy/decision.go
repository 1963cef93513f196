package policy

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/tollgate-ai/tollgate/policy/ireval"
)

// Decision is what the policy asks the gateway to do. Optional actions carry
// "unset" markers: Model "", MaxTokens 0, CacheTTLSeconds -1, HasSampleRate
// false, nil Redact/Tags/Headers. A policy may send the same neutral values.
type Decision struct {
	Allow           bool
	Reasons         []Reason
	Redact          []string // finding kinds to redact
	Model           string   // rewrite the model; "" = keep
	MaxTokens       int      // cap; 0 = no cap
	CacheTTLSeconds int      // -1 = unset
	Tags            map[string]string
	SampleRate      float64
	HasSampleRate   bool
	Headers         map[string]string
	Err             error // set when an evaluation error was mapped through OnError
	Revision        string
}

// Reason explains a denial (or annotates an allow). A denial answers 403 with
// the first reason's code and message.
type Reason struct {
	Code    string
	Message string
}

// ReasonPolicyError is the reason code of a decision made by OnError.
const ReasonPolicyError = "policy_error"

// ErrUndefined means data.tollgate.decision was undefined for the input.
var ErrUndefined = errors.New("data.tollgate.decision is undefined (no rule body matched)")

// TypeError is a decision field of the wrong type.
type TypeError struct {
	Field string
	Want  string
	Got   ast.Value
}

func (e *TypeError) Error() string {
	return fmt.Sprintf("data.tollgate.decision.%s: want %s, got %s", e.Field, e.Want, ast.ValueName(e.Got))
}

var (
	dAllow, dReasons, dRedact, dModel, dMaxTokens = key("allow"), key("reasons"), key("redact"), key("model"), key("max_tokens")
	dCacheTTL, dTags, dSampleRate, dHeaders       = key("cache_ttl_s"), key("tags"), key("sample_rate"), key("headers")
	dCode, dMessage                               = key("code"), key("message")
)

// parseDecision reads the decision object; unknown fields are ignored, a wrong
// type is an error. allow is required.
func parseDecision(v ast.Value, d *Decision) error {
	var obj fields
	switch o := v.(type) {
	case ast.Object:
		obj = o
	case *ireval.LazyObject: // the compiled evaluator's decision literal, unbuilt
		obj = o
	default:
		return &TypeError{Field: "(root)", Want: "object", Got: v}
	}
	d.CacheTTLSeconds = -1
	t := ireval.Concrete(obj.Get(dAllow)) // a set left unbuilt (ireval.SmallSet) is read by seqOf alone
	if t == nil {
		return errors.New("data.tollgate.decision.allow is missing")
	}
	b, ok := t.Value.(ast.Boolean)
	if !ok {
		return &TypeError{Field: "allow", Want: "boolean", Got: t.Value}
	}
	d.Allow = bool(b)
	if t = obj.Get(dReasons); t != nil {
		elems, err := seqOf(t.Value, "reasons")
		if err != nil {
			return err
		}
		for i := range elems.len() {
			r, err := parseReason(elems.at(i).Value)
			if err != nil {
				return err
			}
			d.Reasons = append(d.Reasons, r)
		}
		if isSet(t.Value) { // a set has no order of its own: make it stable
			slices.SortFunc(d.Reasons, func(a, b Reason) int {
				return cmp.Or(strings.Compare(a.Code, b.Code), strings.Compare(a.Message, b.Message))
			})
		}
	}
	if t = obj.Get(dRedact); t != nil {
		elems, err := seqOf(t.Value, "redact")
		if err != nil {
			return err
		}
		for i := range elems.len() {
			s, ok := elems.at(i).Value.(ast.String)
			if !ok {
				return &TypeError{Field: "redact[]", Want: "string", Got: elems.at(i).Value}
			}
			d.Redact = append(d.Redact, string(s))
		}
		if isSet(t.Value) {
			slices.Sort(d.Redact)
		}
	}
	var err error
	if t = obj.Get(dModel); t != nil {
		if d.Model, err = parseModel(t.Value); err != nil {
			return err
		}
	}
	if t = obj.Get(dMaxTokens); t != nil {
		if d.MaxTokens, err = smallestInt(t.Value, "max_tokens", 0); err != nil {
			return err
		}
	}
	if t = obj.Get(dCacheTTL); t != nil && !isMinusOne(t.Value) { // -1 = unset
		if d.CacheTTLSeconds, err = smallestInt(t.Value, "cache_ttl_s", -1); err != nil {
			return err
		}
	}
	if t = ireval.Concrete(obj.Get(dSampleRate)); t != nil {
		f, ok := number(t.Value)
		if !ok || f < 0 || f > 1 {
			return &TypeError{Field: "sample_rate", Want: "number in [0,1]", Got: t.Value}
		}
		d.SampleRate, d.HasSampleRate = f, true
	}
	if t = obj.Get(dTags); t != nil { // a SmallObject is read in place
		t = concreteUnlessSmall(t)
		if d.Tags, err = stringMap(t, "tags"); err != nil {
			return err
		}
	}
	if t = obj.Get(dHeaders); t != nil {
		t = concreteUnlessSmall(t)
		if d.Headers, err = stringMap(t, "headers"); err != nil {
			return err
		}
	}
	return nil
}

// fields is the decision object, or the compiled evaluator's unbuilt literal.
type fields interface{ Get(key *ast.Term) *ast.Term }

// parseModel reads a model name, or a collection of [priority, model] pairs
// of which the highest priority wins (ties: the greatest name, as Rego's max).
// An empty collection means no rewrite.
func parseModel(v ast.Value) (string, error) {
	if s, ok := v.(ast.String); ok {
		return string(s), nil
	}
	elems, err := seqOf(v, "model")
	if err != nil {
		return "", &TypeError{Field: "model", Want: "string or [priority, model] pairs", Got: v}
	}
	var best *ast.Array
	for i := range elems.len() {
		e := elems.at(i)
		pair, ok := e.Value.(*ast.Array)
		if !ok || pair.Len() != 2 {
			return "", &TypeError{Field: "model", Want: "string or [priority, model] pairs", Got: e.Value}
		}
		if _, ok := pair.Elem(0).Value.(ast.Number); !ok {
			return "", &TypeError{Field: "model[][0]", Want: "number", Got: pair.Elem(0).Value}
		}
		if _, ok := pair.Elem(1).Value.(ast.String); !ok {
			return "", &TypeError{Field: "model[][1]", Want: "string", Got: pair.Elem(1).Value}
		}
		if best == nil || ast.Compare(pair, best) > 0 {
			best = pair
		}
	}
	if best == nil {
		return "", nil
	}
	return string(best.Elem(1).Value.(ast.String)), nil
}

// smallestInt reads a non-negative integer, or a collection of them of which
// the smallest applies; an empty collection gives unset.
func smallestInt(v ast.Value, field string, unset int) (int, error) {
	if _, ok := v.(ast.Number); ok {
		return nonNegInt(v, field)
	}
	elems, err := seqOf(v, field)
	if err != nil {
		return unset, &TypeError{Field: field, Want: "non-negative integer or a collection of them", Got: v}
	}
	out := unset
	for i := range elems.len() {
		n, err := nonNegInt(elems.at(i).Value, field)
		if err != nil {
			err.(*TypeError).Field = field + "[]"
			return out, err
		}
		if i == 0 || n < out {
			out = n
		}
	}
	return out, nil
}

func parseReason(v ast.Value) (Reason, error) {
	obj, ok := v.(ast.Object)
	if !ok {
		return Reason{}, &TypeError{Field: "reasons[]", Want: "object {code, message}", Got: v}
	}
	var r Reason
	if t := obj.Get(dCode); t != nil {
		s, ok := t.Value.(ast.String)
		if !ok {
			return r, &TypeError{Field: "reasons[].code", Want: "string", Got: t.Value}
		}
		r.Code = string(s)
	}
	if t := obj.Get(dMessage); t != nil {
		s, ok := t.Value.(ast.String)
		if !ok {
			return r, &TypeError{Field: "reasons[].message", Want: "string", Got: t.Value}
		}
		r.Message = string(s)
	}
	if r.Code == "" {
		return r, errors.New("data.tollgate.decision.reasons[].code is missing or empty")
	}
	return r, nil
}

// seq is an array's or a set's elements by index, without a callback (a
// closure per field was most of parseDecision's allocations).
type seq struct {
	arr *ast.Array
	set []*ast.Term
}

func seqOf(v ast.Value, field string) (seq, error) {
	switch c := v.(type) {
	case *ast.Array:
		return seq{arr: c}, nil
	case ast.Set:
		return seq{set: c.Slice()}, nil // sorted: a stable order
	case *ireval.SmallSet: // the compiled evaluator's set, unbuilt
		return seq{set: c.Sorted()}, nil
	}
	return seq{}, &TypeError{Field: field, Want: "array or set", Got: v}
}

func isSet(v ast.Value) bool {
	switch v.(type) {
	case ast.Set, *ireval.SmallSet:
		return true
	}
	return false
}

func (s seq) len() int {
	if s.arr != nil {
		return s.arr.Len()
	}
	return len(s.set)
}

func (s seq) at(i int) *ast.Term {
	if s.arr != nil {
		return s.arr.Elem(i)
	}
	return s.set[i]
}

// concreteUnlessSmall is ireval.Concrete, except that an ireval.SmallObject
// (a partial object the compiled evaluator left unbuilt) stays as it is.
func concreteUnlessSmall(t *ast.Term) *ast.Term {
	if _, small := t.Value.(*ireval.SmallObject); small {
		return t
	}
	return ireval.Concrete(t)
}

func stringMap(t *ast.Term, field string) (map[string]string, error) {
	if so, ok := t.Value.(*ireval.SmallObject); ok {
		return smallStringMap(t, so, field)
	}
	v := t.Value
	obj, ok := v.(ast.Object)
	if !ok {
		return nil, &TypeError{Field: field, Want: "object of strings", Got: v}
	}
	if obj.Len() == 0 {
		return nil, nil
	}
	m := make(map[string]string, obj.Len())
	err := obj.Iter(func(k, v *ast.Term) error {
		ks, ok1 := k.Value.(ast.String)
		vs, ok2 := v.Value.(ast.String)
		if !ok1 || !ok2 {
			return &TypeError{Field: field, Want: "object of strings", Got: obj}
		}
		m[string(ks)] = string(vs)
		return nil
	})
	return m, err
}

// smallStringMap is stringMap of a SmallObject: the same map, the same
// error (reported with the object built, as stringMap reports it).
func smallStringMap(t *ast.Term, so *ireval.SmallObject, field string) (map[string]string, error) {
	if so.Len() == 0 {
		return nil, nil
	}
	m := make(map[string]string, so.Len())
	for i := range so.Len() {
		k, v := so.Item(i)
		ks, ok1 := k.Value.(ast.String)
		vs, ok2 := v.Value.(ast.String)
		if !ok1 || !ok2 {
			return nil, &TypeError{Field: field, Want: "object of strings", Got: ireval.Concrete(t).Value}
		}
		m[string(ks)] = string(vs)
	}
	return m, nil
}

func nonNegInt(v ast.Value, field string) (int, error) {
	n, ok := v.(ast.Number)
	if ok {
		if i, ok := n.Int(); ok && i >= 0 {
			return i, nil
		}
	}
	return 0, &TypeError{Field: field, Want: "non-negative integer", Got: v}
}

func isMinusOne(v ast.Value) bool {
	n, ok := v.(ast.Number)
	return ok && n == "-1"
}

func number(v ast.Value) (float64, bool) {
	n, ok := v.(ast.Number)
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(n), 64)
	return f, err == nil
}

// responseFields is d as the response phase returns it: only the fields
// that phase acts on (allow, reasons, redact; see response_slice.go), the
// same whichever program evaluated it.
func (d Decision) responseFields() Decision {
	return Decision{Allow: d.Allow, Reasons: d.Reasons, Redact: d.Redact, CacheTTLSeconds: -1, Err: d.Err, Revision: d.Revision}
}
