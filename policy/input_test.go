package policy

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// TestInputSchemaInSync checks that a fully filled Input, built the way
// Decide builds it, has exactly the properties and types of the schema.
func TestInputSchemaInSync(t *testing.T) {
	b, err := os.ReadFile("schema/input.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(b, &schema); err != nil {
		t.Fatalf("schema/input.schema.json: %v", err)
	}
	doc, err := ast.JSON(newTermCache(nil, nil).inputValue(fullInput()))
	if err != nil {
		t.Fatal(err)
	}
	defs, _ := schema["$defs"].(map[string]any)
	var check func(path string, s map[string]any, v any)
	check = func(path string, s map[string]any, v any) {
		if ref, ok := s["$ref"].(string); ok {
			s = defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
		}
		want, _ := s["type"].(string)
		if got := jsonType(v); got != want && !(want == "number" && got == "integer") {
			t.Errorf("%s: input has %s, schema says %s", path, got, want)
			return
		}
		switch v := v.(type) {
		case map[string]any:
			if props, ok := s["properties"].(map[string]any); ok {
				if got, want := sortedKeys(v), sortedKeys(props); !reflect.DeepEqual(got, want) {
					t.Errorf("%s: input keys %v, schema properties %v", path, got, want)
				}
				for k, val := range v {
					if ps, ok := props[k].(map[string]any); ok {
						check(path+"."+k, ps, val)
					}
				}
				return
			}
			ap, _ := s["additionalProperties"].(map[string]any)
			if len(v) == 0 || ap == nil {
				t.Errorf("%s: fill the map in fullInput and give the schema additionalProperties", path)
			}
			for k, val := range v {
				check(path+"."+k, ap, val)
			}
		case []any:
			if len(v) == 0 {
				t.Errorf("%s: fill the array in fullInput", path)
			}
			for _, val := range v {
				check(path+"[]", s["items"].(map[string]any), val)
			}
		}
	}
	check("input", schema, doc)
}

func jsonType(v any) string {
	switch v := v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number:
		if strings.ContainsAny(string(v), ".eE") {
			return "number"
		}
		return "integer"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return "unknown"
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func TestInputReset(t *testing.T) {
	in := fullInput()
	tools, findings := in.Request.Tools, in.Findings
	in.Reset()
	if !reflect.DeepEqual(*in, Input{
		Request:   Request{Tools: tools[:0], Metadata: map[string]string{}},
		Principal: Principal{Tags: map[string]string{}},
		Findings:  findings[:0], Health: map[string]ModelHealth{},
		Response: Response{Findings: in.Response.Findings[:0]},
	}) {
		t.Fatalf("Reset left %+v", *in)
	}
	if cap(in.Findings) == 0 || cap(in.Request.Tools) == 0 {
		t.Fatal("Reset dropped capacity")
	}
	// The request phase leaves response out; an unset temperature is absent.
	in = typicalInput()
	in.Request.HasTemperature = false
	obj := newTermCache(nil, nil).inputValue(in).(ast.Object)
	if obj.Get(ast.StringTerm("response")) != nil {
		t.Fatal("request phase input has a response")
	}
	req := obj.Get(ast.StringTerm("request")).Value.(ast.Object)
	if req.Get(ast.StringTerm("temperature")) != nil {
		t.Fatal("unset temperature present")
	}
}

// TestInputValues spot-checks conversions that are easy to get wrong.
func TestInputValues(t *testing.T) {
	f := func(v float64, want string) {
		t.Helper()
		if got := floatTerm(v).String(); got != want {
			t.Fatalf("floatTerm(%v) = %s, want %s", v, got, want)
		}
	}
	f(0, "0")
	f(3, "3")
	f(0.0063, "0.0063")
	f(189.75, "189.75")
	f(1e21, "1e+21")
	f(-2.5, "-2.5")
}

// fieldIndex's switches number exactly objectKeys' keys, in objectKeys' order.
func TestFieldIndexMatchesObjectKeys(t *testing.T) {
	for kind, keys := range objectKeys {
		for i, k := range keys {
			if got := fieldIndex(objectKind(kind), k); got != i {
				t.Errorf("kind %d: fieldIndex(%q) = %d, want %d", kind, k, got, i)
			}
		}
		for _, other := range []string{"", "Phase", "model ", "nope", "findings_", "usage"} {
			want := slices.Index(keys, other)
			if got := fieldIndex(objectKind(kind), other); got != want {
				t.Errorf("kind %d: fieldIndex(%q) = %d, want %d", kind, other, got, want)
			}
		}
	}
}
