package policy

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/VictoriaMetrics/metrics"
)

func TestDenialsCountedByCode(t *testing.T) {
	e := openTB(t, Options{Dir: examplesDir})
	in := typicalInput()
	in.Request.Model = "o1-pro" // not on acme's allowlist
	ctr := denials.counter("model_not_allowed")
	before := ctr.Get()
	if d := e.Decide(context.Background(), in); d.Allow || d.Reasons[0].Code != "model_not_allowed" {
		t.Fatalf("decision %+v", d)
	}
	if n := ctr.Get() - before; n != 1 {
		t.Fatalf("model_not_allowed denials counted %d, want 1", n)
	}
	var buf bytes.Buffer
	metrics.WritePrometheus(&buf, false)
	if !strings.Contains(buf.String(), `tollgate_policy_denials_total{code="model_not_allowed"}`) {
		t.Fatal("no tollgate_policy_denials_total series for model_not_allowed in the exposition")
	}
}

func TestDenialCodesBounded(t *testing.T) {
	c := newCodeCounters("tollgate_test_denials_total", 3)
	for _, code := range []string{"a", "b", "c", "d", "e", "a"} {
		c.inc(code)
	}
	if c.byCode["a"].Get() != 2 || c.other == nil || c.other.Get() != 2 || len(c.byCode) != 3 {
		t.Fatalf("a=%d other=%v codes=%d: want a=2, other=2 (d, e), 3 codes", c.byCode["a"].Get(), c.other, len(c.byCode))
	}
	if got := labelValue(`bad "code"\n` + strings.Repeat("x", 100)); got != "bad__code__n"+strings.Repeat("x", 52) {
		t.Fatalf("labelValue = %q", got)
	}
}
