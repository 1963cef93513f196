package messagesapi

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tollgate-ai/tollgate/providers/internal/providertest"
	"github.com/valyala/fastjson"
)

// The golden files under testdata were written from Anthropic's and
// OpenAI's API references: *.in.* is what arrives, *.want.* what the
// translation must produce. -update rewrites the want files from the
// code (review the diff before committing it); the flag is
// providertest's, shared by every provider package's tests.

func goldenCases(t *testing.T, dir, ext string) []string {
	t.Helper()
	ins, err := filepath.Glob(filepath.Join("testdata", dir, "*.in."+ext))
	if err != nil || len(ins) == 0 {
		t.Fatalf("no golden inputs in testdata/%s: %v", dir, err)
	}
	return ins
}

// checkGolden compares got with the want file beside in; JSON documents
// are compared as values (the want files are indented for review).
func checkGolden(t *testing.T, in string, got []byte, isJSON bool) {
	t.Helper()
	wantPath := strings.Replace(in, ".in.", ".want.", 1)
	if providertest.Update() {
		out := got
		if isJSON {
			var b bytes.Buffer
			if err := json.Indent(&b, got, "", "  "); err != nil {
				t.Fatalf("%s: output is not JSON: %v\n%s", in, err, got)
			}
			out = append(b.Bytes(), '\n')
		}
		if err := os.WriteFile(wantPath, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(wantPath)
	if err != nil {
		t.Fatal(err)
	}
	if !isJSON {
		if !bytes.Equal(got, want) {
			t.Fatalf("%s:\ngot:\n%s\nwant:\n%s", in, got, want)
		}
		return
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: output is not JSON: %v\n%s", in, err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s:\ngot:  %s\nwant: %s", in, got, want)
	}
}

func TestGoldenRequests(t *testing.T) {
	var p fastjson.Parser
	for _, in := range goldenCases(t, "request", "json") {
		body, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		mode := Messages
		if strings.Contains(in, "count_tokens") {
			mode = CountTokens
		}
		got, _, e := TranslateRequest(nil, body, &p, mode)
		if e != nil {
			t.Fatalf("%s: %v", in, e)
		}
		checkGolden(t, in, got, true)
	}
}

func TestGoldenResponses(t *testing.T) {
	var p fastjson.Parser
	for _, in := range goldenCases(t, "response", "json") {
		body, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := AppendMessage(nil, body, &p, "claude-sonnet-4-5")
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		checkGolden(t, in, got, true)
	}
}

// TestGoldenStreams feeds each OpenAI event on its own, as the relay
// does, with the gateway's estimates (7 prompt tokens) as the fallback
// usage for streams that report none.
func TestGoldenStreams(t *testing.T) {
	for _, in := range goldenCases(t, "stream", "sse") {
		raw, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		var s Stream
		s.Reset("claude-sonnet-4-5", 7)
		var got []byte
		for _, ev := range strings.SplitAfter(string(raw), "\n\n") {
			if ev == "" {
				continue
			}
			fallback := Usage{PromptTokens: 7, CompletionTokens: s.EstimatedOutput()}
			if got, err = s.Event(got, []byte(ev), fallback); err != nil {
				t.Fatalf("%s: %v", in, err)
			}
		}
		checkGolden(t, in, got, false)
	}
}
