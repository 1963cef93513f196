package cache

import (
	"time"

	"github.com/tollgate-ai/tollgate/config"
)

// settings are the config's cache section resolved for lookups per
// request: one map read per model and per key.
type settings struct {
	defaults        modelSettings
	models          map[string]modelSettings
	keys            map[string]keySettings
	maxTTL          time.Duration
	maxEntry        int
	coalesce        bool
	coalesceTimeout time.Duration
}

type modelSettings struct {
	enabled  bool
	always   bool // cache non-deterministic requests too
	shared   bool
	ttl      time.Duration
	semantic config.CacheSemanticConfig
}

type keySettings struct {
	disabled bool
	ttl      time.Duration
}

func newSettings(c *config.CacheConfig) *settings {
	s := &settings{
		defaults:        modelSettings{enabled: c.Enabled, always: c.When == config.CacheWhenAlways, ttl: c.TTL},
		models:          map[string]modelSettings{},
		keys:            map[string]keySettings{},
		maxTTL:          c.MaxTTL,
		maxEntry:        c.MaxEntryBytes,
		coalesce:        c.Coalesce != "off",
		coalesceTimeout: c.CoalesceTimeout,
	}
	for name, m := range c.Models {
		ms := s.defaults
		if m.Enabled != nil {
			ms.enabled = *m.Enabled
		}
		if m.TTL > 0 {
			ms.ttl = m.TTL
		}
		if m.When != "" {
			ms.always = m.When == config.CacheWhenAlways
		}
		ms.shared, ms.semantic = m.Shared, m.Semantic
		s.models[name] = ms
	}
	for id, k := range c.Keys {
		s.keys[id] = keySettings{disabled: k.Enabled != nil && !*k.Enabled, ttl: k.TTL}
	}
	return s
}

func (s *settings) model(name string) modelSettings {
	if m, ok := s.models[name]; ok {
		return m
	}
	return s.defaults
}

// anyEnabled reports whether some model may be cached (else the gateway
// needs no cache stage).
func anyEnabled(c *config.CacheConfig) bool {
	if c.Enabled {
		return true
	}
	for _, m := range c.Models {
		if m.Enabled != nil && *m.Enabled {
			return true
		}
	}
	return false
}
