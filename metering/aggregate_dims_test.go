package metering

import (
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"
)

// encodeDimsReference is encodeDims as first written (strings.Replacer,
// strings.Builder): the encoding the files and Redis already hold.
func encodeDimsReference(r *Record) string {
	strip := strings.NewReplacer(sepField, "", sepTag, "", sepKV, "", "\x1d", "")
	var b strings.Builder
	for _, s := range []string{r.Tenant, r.Team, r.KeyID, r.model()} {
		b.WriteString(strip.Replace(s))
		b.WriteString(sepField)
	}
	keys := make([]string, 0, len(r.Tags))
	for k := range r.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		if i > 0 {
			b.WriteString(sepTag)
		}
		b.WriteString(strip.Replace(k))
		b.WriteString(sepKV)
		b.WriteString(strip.Replace(r.Tags[k]))
	}
	return b.String()
}

func TestEncodeDimsUnchanged(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	alphabet := []string{"a", "b", "é", "\x1c", "\x1d", "\x1e", "\x1f", "\x1b", " ", ":", "\x20"}
	str := func() string {
		var b strings.Builder
		for range rnd.IntN(6) {
			b.WriteString(alphabet[rnd.IntN(len(alphabet))])
		}
		return b.String()
	}
	for i := range 20000 {
		r := &Record{Tenant: str(), Team: str(), KeyID: str(), ModelRequested: str()}
		if i%2 == 0 {
			r.ModelServed = str()
		}
		if n := rnd.IntN(12); n > 0 {
			r.Tags = map[string]string{}
			for range n {
				r.Tags[str()] = str()
			}
		}
		if got, want := encodeDims(r), encodeDimsReference(r); got != want {
			t.Fatalf("encodeDims(%+v) = %q; want %q", r, got, want)
		}
	}
}

func TestDayNameMatchesFormat(t *testing.T) {
	d := &dayFiles{}
	rnd := rand.New(rand.NewPCG(5, 6))
	zone := time.FixedZone("x", -5*3600)
	check := func(tm time.Time) {
		t.Helper()
		if got, want := d.dayName(tm), tm.Format(time.DateOnly); got != want {
			t.Fatalf("dayName(%v) = %q; want %q", tm, got, want)
		}
	}
	base := time.Date(2026, 12, 6, 23, 59, 59, 999_999_999, time.UTC)
	for _, tm := range []time.Time{base, base.Add(1), base.Add(-1), time.Unix(0, 0).UTC(), time.Unix(-1, 0).UTC(),
		time.Unix(-86400, 0).UTC(), time.Unix(-86401, 0).UTC(), base.In(zone), base.Add(1).In(zone), base} {
		check(tm)
	}
	for range 20000 {
		check(time.Unix(rnd.Int64N(8e9)-4e9, rnd.Int64N(1e9)).UTC())
	}
}
