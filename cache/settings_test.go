package cache

import (
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/config"
)

// TestSettingsResolve: per-model settings override the section's, unset
// fields inherit them; a key can turn caching off or shorten the TTL.
func TestSettingsResolve(t *testing.T) {
	off, on := false, true
	s := newSettings(&config.CacheConfig{Enabled: true, TTL: time.Hour, When: config.CacheWhenDeterministic,
		Models: map[string]config.CacheModel{
			"private": {Enabled: &off},
			"public":  {Shared: true, When: config.CacheWhenAlways, TTL: time.Minute},
		},
		Keys: map[string]config.CacheKey{"batch": {Enabled: &off}, "short": {TTL: time.Second}, "loud": {Enabled: &on}}})
	for name, want := range map[string]modelSettings{
		"other":   {enabled: true, ttl: time.Hour},
		"private": {enabled: false, ttl: time.Hour},
		"public":  {enabled: true, always: true, shared: true, ttl: time.Minute},
	} {
		if got := s.model(name); got != want {
			t.Errorf("%s: %+v, want %+v", name, got, want)
		}
	}
	if !s.keys["batch"].disabled || s.keys["short"].ttl != time.Second || s.keys["loud"].disabled || s.keys["none"].disabled {
		t.Errorf("keys %+v", s.keys)
	}
	if anyEnabled(&config.CacheConfig{}) || !anyEnabled(&config.CacheConfig{Models: map[string]config.CacheModel{"m": {Enabled: &on}}}) {
		t.Error("anyEnabled")
	}
}
