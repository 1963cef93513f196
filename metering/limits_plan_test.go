package metering

import (
	"strings"
	"testing"
)

// hashTag returns the part of key Redis Cluster hashes: the text between the first '{' and the next
// '}' when non-empty, else the whole key.
func hashTag(key string) string {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			return key[i+1 : i+1+j]
		}
	}
	return key
}

func TestPlanKeysShareOneClusterSlot(t *testing.T) {
	all := Limit{RPM: 1, TPM: 1, DailyMicros: 1, MonthlyMicros: 1, TotalMicros: 1}
	rules := Rules{Key: all, Team: all, Tenant: all, Model: all}
	f := func(s Subject, wantCounters int) {
		t.Helper()
		p := buildPlan(s, rules, testDay, 10, 10)
		if len(p.counters) != wantCounters {
			t.Fatalf("%+v: %d counters; want %d", s, len(p.counters), wantCounters)
		}
		tag := hashTag(p.counters[0].key)
		seen := map[string]bool{}
		for _, c := range p.counters {
			if got := hashTag(c.key); got != tag || got == c.key {
				t.Errorf("%+v: key %q hashes on %q; want the tenant tag %q shared by all keys", s, c.key, got, tag)
			}
			if seen[c.key] {
				t.Errorf("%+v: key %q appears twice", s, c.key)
			}
			seen[c.key] = true
		}
	}
	f(Subject{Tenant: "acme", Team: "eng", KeyID: "k1", Model: "gpt-4o"}, maxCounters)
	f(Subject{Tenant: "", KeyID: "k1"}, 2+3+2+3) // empty tenant → "_", not an empty (ignored) tag
	f(Subject{Tenant: "}{", Team: "a}b", KeyID: "{x}", Model: "m:1"}, maxCounters)
	f(Subject{Tenant: "t"}, 2+3)

	p := buildPlan(Subject{Tenant: "acme", Team: "eng", KeyID: "k1", Model: "gpt-4o"}, rules, testDay, 10, 10)
	want := map[string]bool{
		"tg:rl:{acme}:k:k1:rpm":             true,
		"tg:rl:{acme}:m:gpt-4o:tpm":         true,
		"tg:rl:{acme}:m:gpt-4o:tpm:n":       true,
		"tg:budget:{acme}:t:eng:d:20260314": true,
		"tg:budget:{acme}:n:m:202603":       true,
		"tg:budget:{acme}:k:k1:total":       true,
	}
	for _, c := range p.counters {
		delete(want, c.key)
		delete(want, c.sumKey)
	}
	if hashTag(p.marker) != "acme" {
		t.Errorf("marker prefix %q is outside the tenant's slot", p.marker)
	}
	if len(want) > 0 {
		t.Errorf("keys missing from the plan (layout changed? update README): %v", want)
	}
}

func TestLedgerShardKeysShareOneClusterSlot(t *testing.T) {
	ids, agg, rec := shardKeys("2026-03-14", 3, 9)
	if hashTag(ids) != "2026-03-14/s03" || hashTag(agg) != hashTag(ids) || hashTag(rec) != hashTag(ids) {
		t.Fatalf("ledger keys %q %q %q do not share the day shard's hash tag", ids, agg, rec)
	}
}
