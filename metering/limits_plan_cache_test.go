package metering

import (
	"fmt"
	"reflect"
	"testing"
	"time"
)

// A cached plan is the plan buildPlan writes, at any time of the day, and a
// new day (or new rules) writes new keys.
func TestPlanCacheMatchesBuildPlan(t *testing.T) {
	var c planCache
	s := Subject{Tenant: "ac:me", Team: "search", KeyID: "k{1}", Model: "gpt-4o"}
	r := Rules{Key: Limit{RPM: 5, DailyMicros: 10}, Team: Limit{TPM: 100, MonthlyMicros: 50}, Tenant: Limit{TotalMicros: 9}, Model: Limit{RPM: 2}}
	start := time.Date(2026, 12, 31, 23, 59, 58, 0, time.UTC)
	for _, now := range []time.Time{start, start.Add(time.Second), start.Add(2500 * time.Millisecond), start.Add(26 * time.Hour)} {
		for _, rules := range []Rules{r, {Tenant: Limit{DailyMicros: 1}}} {
			got, want := c.plan(nil, s, rules, now), buildPlan(s, rules, now, 0, 0)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("at %v: cached plan\n%+v\nwant\n%+v", now, got, want)
			}
		}
	}
	if len(c.m) != 1 {
		t.Fatalf("%d templates, want 1 (a subject's newest replaces the one before)", len(c.m))
	}
}

func TestPlanCacheIsBounded(t *testing.T) {
	var c planCache
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := range planCacheSize + 10 {
		c.plan(nil, Subject{Tenant: "t", KeyID: fmt.Sprint(i)}, Rules{}, now)
	}
	if len(c.m) > planCacheSize {
		t.Fatalf("%d templates, want at most %d", len(c.m), planCacheSize)
	}
}
