package evals

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

type schemaDoc struct {
	Properties  map[string]schemaProp `json:"properties"`
	Definitions map[string]struct {
		Properties map[string]schemaProp `json:"properties"`
		Required   []string              `json:"required"`
	} `json:"definitions"`
}

type schemaProp struct {
	Type                 string      `json:"type"`
	Const                any         `json:"const"`
	AdditionalProperties *schemaProp `json:"additionalProperties"`
}

func loadSchema(t *testing.T) schemaDoc {
	b, err := os.ReadFile("../docs/evals-sample.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var s schemaDoc
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// jsonType is the JSON schema type of a decoded value.
func jsonType(v any) string {
	switch x := v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case float64:
		if x == float64(int64(x)) {
			return "integer"
		}
		return "number"
	}
	return "null"
}

func checkAgainst(t *testing.T, what string, props map[string]schemaProp, rec map[string]any) {
	for k, v := range rec {
		p, ok := props[k]
		if !ok {
			t.Errorf("%s: field %q is not in the schema", what, k)
			continue
		}
		got := jsonType(v)
		if p.Type != "" && got != p.Type && (p.Type != "number" || got != "integer") {
			t.Errorf("%s: field %q is %s, schema says %s", what, k, got, p.Type)
		}
		if m, ok := v.(map[string]any); ok && p.AdditionalProperties != nil {
			for mk, mv := range m {
				if jsonType(mv) != p.AdditionalProperties.Type {
					t.Errorf("%s: %s.%s is %s, schema says %s", what, k, mk, jsonType(mv), p.AdditionalProperties.Type)
				}
			}
		}
	}
}

// A sample with every field set, as the stage writes it, matches the
// schema's properties and types; and every schema property is a field.
func TestSampleMatchesSchema(t *testing.T) {
	s := loadSchema(t)
	full := &Sample{Time: time.Now().UTC(), RequestID: "r", Model: "m", Deployment: "d", Tenant: "t", Team: "tm",
		Tags: map[string]string{"app": "x"}, Prompt: "p", Response: "r", PromptTokens: 1, OutputTokens: 2,
		LatencyMs: 12.5, TTFTMs: 3.25, FinishReason: "stop", Status: 200, Findings: map[string]int{"pii.email": 1},
		ResponseFindings: map[string]int{"secret.github_token": 1},
		Cache:            "miss", Stream: true, SampleRate: 0.25, Truncated: true}
	b, _ := json.Marshal(full)
	var rec map[string]any
	json.Unmarshal(b, &rec)
	checkAgainst(t, "sample", s.Properties, rec)
	if len(rec) != len(s.Properties) {
		t.Errorf("sample has %d fields, schema %d properties", len(rec), len(s.Properties))
	}
	for _, f := range reflect.VisibleFields(reflect.TypeOf(Sample{})) {
		name := strings.Split(f.Tag.Get("json"), ",")[0]
		if _, ok := s.Properties[name]; !ok {
			t.Errorf("Sample.%s (%q) is missing from the schema", f.Name, name)
		}
	}
	fb := &Feedback{Type: FeedbackType, Time: time.Now(), RequestID: "r", Tenant: "t", Team: "x", KeyID: "k", Score: -0.5, Label: "bad", Comment: "c"}
	b, _ = json.Marshal(fb)
	rec = nil
	json.Unmarshal(b, &rec)
	def := s.Definitions["feedback"]
	checkAgainst(t, "feedback", def.Properties, rec)
	for _, r := range def.Required {
		if _, ok := rec[r]; !ok {
			t.Errorf("feedback lacks required %q", r)
		}
	}
}
