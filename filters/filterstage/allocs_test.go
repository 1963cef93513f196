//go:build !race

package filterstage

import (
	"strings"
	"testing"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/policy"
)

// TestNothingFoundAllocatesNothing: a request and a stream with nothing
// to find cost no allocation once the per-request buffers are warm.
func TestNothingFoundAllocatesNothing(t *testing.T) {
	st := testState(t, nil, config.FilterActions{"secret.*": "redact"})
	body := []byte(`{"model":"m","messages":[{"role":"user","content":"plain words, nothing \"to\" find"},` +
		`{"role":"user","content":[{"type":"text","text":"a part"}]}]}`)
	var findings []policy.Finding
	if n := testing.AllocsPerRun(100, func() {
		st.texts, st.found = st.texts[:0], st.found[:0]
		st.inspect(body)
		findings = aggregate(findings[:0], st.found, &st.t.in)
	}); n != 0 || len(findings) != 0 {
		t.Fatalf("request: %v allocations, findings %v", n, findings)
	}
	f := newStream(t, st)
	var events [][]byte
	for _, ev := range split(strings.Repeat("nothing to see here ", 20), 4) {
		events = append(events, []byte(ev))
	}
	var out gateway.Events      // grows across the runs (the gateway reuses its own): amortised to 0
	for _, ev := range events { // warm the lane's buffers
		_ = f.Event(ev, &out)
	}
	i := 0
	if n := testing.AllocsPerRun(500, func() {
		_ = f.Event(events[i%len(events)], &out)
		i++
	}); n != 0 {
		t.Fatalf("stream: %v allocations per event", n)
	}
}
