package tokenizer

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/pkoukk/tiktoken-go"
)

func TestForModelResolvesEncodings(t *testing.T) {
	r, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := func(model, want string) {
		t.Helper()
		e, err := r.ForModel(model)
		if err != nil {
			t.Fatalf("ForModel(%q): %v", model, err)
		}
		if e.Name() != want {
			t.Fatalf("ForModel(%q) = %s, want %s", model, e.Name(), want)
		}
	}
	for _, m := range []string{"gpt-4o", "gpt-4o-2024-08-06", "gpt-4o-mini", "chatgpt-4o-latest", "gpt-4.1", "gpt-4.1-mini-2025-04-14",
		"gpt-4.5-preview", "gpt-5", "gpt-5-mini", "gpt-5.1", "o1", "o1-preview", "o3-mini", "o4-mini", "gpt-oss-120b",
		"openai/gpt-4o", "azure/gpt-4.1", "openrouter/openai/o3", "GPT-4O", "ft:gpt-4o-mini:acme::abc123"} {
		f(m, O200KBase)
	}
	for _, m := range []string{"gpt-4", "gpt-4-0613", "gpt-4-32k", "gpt-4-turbo", "gpt-3.5-turbo", "gpt-3.5-turbo-0301",
		"gpt-35-turbo", "text-embedding-3-small", "text-embedding-3-large", "text-embedding-ada-002", "davinci-002"} {
		f(m, CL100KBase)
	}
	for _, m := range []string{"text-davinci-003", "text-davinci-002", "code-davinci-002", "code-cushman-001"} {
		f(m, P50KBase)
	}
	for _, m := range []string{"davinci", "curie", "babbage", "ada", "text-davinci-001", "text-ada-001", "code-search-ada-code-001"} {
		f(m, R50KBase)
	}
	for _, m := range []string{"adapter", "llama-3", "gpt", "o", ""} {
		if _, err := r.ForModel(m); !errors.Is(err, ErrUnknownModel) {
			t.Errorf("ForModel(%q) error = %v, want ErrUnknownModel", m, err)
		}
	}
}

// TestForModelAgreesWithTiktokenGo checks our table against tiktoken-go's for
// the models tiktoken-go v0.1.8 knows.
func TestForModelAgreesWithTiktokenGo(t *testing.T) {
	r, _ := New(Options{})
	for model, want := range tiktoken.MODEL_TO_ENCODING {
		if want == "gpt2" || strings.Contains(want, "edit") {
			continue
		}
		e, err := r.ForModel(model)
		if err != nil || e.Name() != want {
			t.Errorf("ForModel(%q) = %v, %v; tiktoken-go says %s", model, e, err, want)
		}
	}
}

func TestAliasesAndDefault(t *testing.T) {
	r, err := New(Options{
		Aliases:         map[string]string{"prod-chat": "gpt-4o", "Legacy": "cl100k_base", "chain": "prod-chat", "old": "gpt-3.5-turbo-0301"},
		DefaultEncoding: P50KBase,
	})
	if err != nil {
		t.Fatal(err)
	}
	f := func(model, want string) {
		t.Helper()
		e, err := r.ForModel(model)
		if err != nil || e.Name() != want {
			t.Fatalf("ForModel(%q) = %v, %v; want %s", model, e, err, want)
		}
	}
	f("prod-chat", O200KBase)
	f("azure/prod-chat", O200KBase)
	f("legacy", CL100KBase)
	f("chain", O200KBase)
	f("mystery-model", P50KBase)
	f("gpt-4o", O200KBase)
	info, _ := r.model("old")
	if info.chat.perMessage != 4 {
		t.Fatalf("alias to gpt-3.5-turbo-0301 should use its chat rules, got %+v", info.chat)
	}
	a, _ := r.ForModel("prod-chat")
	b, _ := r.ForModel("gpt-4o-mini")
	if a != b {
		t.Fatal("encoders of one encoding should be shared")
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	f := func(opts Options, wantInErr string) {
		t.Helper()
		_, err := New(opts)
		if err == nil || !strings.Contains(err.Error(), wantInErr) {
			t.Fatalf("New(%+v) error = %v, want it to mention %q", opts, err, wantInErr)
		}
	}
	f(Options{DefaultEncoding: "gpt2"}, `DefaultEncoding "gpt2"`)
	f(Options{Aliases: map[string]string{"a": "b", "b": "a"}}, "cycle")
	f(Options{Aliases: map[string]string{"x": "no-such-model"}}, `alias "x"`)
	f(Options{Aliases: map[string]string{"x": ""}}, "non-empty")
}

func TestForModelCacheIsBounded(t *testing.T) {
	r, _ := New(Options{DefaultEncoding: CL100KBase})
	for i := 0; i < maxCachedModels+100; i++ {
		if _, err := r.ForModel("client-model-" + strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := r.cached.Load(); n != maxCachedModels {
		t.Fatalf("cached %d models, want the cap %d", n, maxCachedModels)
	}
}
