package config

import (
	"strings"
	"testing"
	"time"
)

// TestCacheValidation: the cache section's values are checked, with the
// line they are on, and per-model settings must name configured models.
func TestCacheValidation(t *testing.T) {
	bad := map[string]string{
		"cache: {when: sometimes}":                 "must be deterministic or always",
		"cache: {memory_bytes: 100}":               "at least 65536",
		"cache: {max_entry_bytes: 10}":             "at least 64",
		"cache: {redis: maybe}":                    "must be on or off",
		"cache: {coalesce: yes}":                   "must be on or off",
		"cache: {ttl: -1s}":                        "must not be negative",
		"cache: {models: {nope: {enabled: true}}}": `unknown model "nope"`,
		"cache: {models: {gpt-4o: {when: never}}}": "must be deterministic or always",
		"cache: {models: {gpt-4o: {semantic: {enabled: true, embedding_model: gpt-4o, threshold: 1.5}}}}": "within (0,1]",
		"cache: {models: {gpt-4o: {semantic: {enabled: true, embedding_model: emb, threshold: 0.9}}}}":    `unknown model "emb"`,
		"cache: {models: {gpt-4o: {semantic: {enabled: true}}}}":                                          "embedding_model: required",
		"cache: {models: {gpt-4o: {semantic: {enabled: true, embedding_model: gpt-4o, threshold: -1}}}}":  "within (0,1]",
	}
	for yml, want := range bad {
		_, err := Parse([]byte(routeBase+yml), "cfg.yaml")
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "cfg.yaml:5") {
			t.Errorf("%s: want an error at cfg.yaml:5 containing %q, got %v", yml, want, err)
		}
	}
	c, err := Parse([]byte(routeBase+"cache: {enabled: true, models: {gpt-4o: {shared: true, ttl: 5m}}, keys: {k: {enabled: false}}}"), "cfg.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cc := c.Cache
	if _, err := Parse([]byte(routeBase+"cache: {models: {gpt-4o: {semantic: {enabled: true, embedding_model: gpt-4o}}}}"), "cfg.yaml"); err != nil {
		t.Fatalf("an unset threshold is the default: %v", err)
	}
	if !cc.Enabled || cc.TTL != time.Hour || cc.When != CacheWhenDeterministic || cc.MemoryBytes != 64<<20 || cc.Redis != "on" ||
		!cc.Models["gpt-4o"].Shared || cc.Models["gpt-4o"].TTL != 5*time.Minute || *cc.Keys["k"].Enabled {
		t.Fatalf("%+v", cc)
	}
}

// TestEmbeddedDefaultCaches: the README's first command caches out of the box.
func TestEmbeddedDefaultCaches(t *testing.T) {
	c, err := Parse(EmbeddedDefault(), "embedded")
	if err != nil || !c.Cache.Enabled {
		t.Fatalf("%v %+v", err, c.Cache)
	}
}
