package rolloutgw

import (
	"testing"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/rollouts"
)

// TestMirroredTypesAgree: the gateway's mirror of the variants keeps
// package rollouts' values (the adapter converts by value).
func TestMirroredTypesAgree(t *testing.T) {
	if gateway.VariantStable != gateway.RolloutVariant(rollouts.Stable) ||
		gateway.VariantCandidate != gateway.RolloutVariant(rollouts.Candidate) {
		t.Fatal("variant values differ")
	}
	for _, v := range []rollouts.Variant{rollouts.Stable, rollouts.Candidate} {
		if gateway.RolloutVariant(v).String() != v.String() {
			t.Errorf("%d: %q vs %q", v, gateway.RolloutVariant(v).String(), v.String())
		}
	}
	// rollouts.Observation(o) in the adapter compiles only while the
	// fields match; this checks the values survive.
	o := gateway.RolloutObservation{Status: 502, OutputTokens: 3, CostMicros: 7, Text: "t", ToolCall: "f"}
	if back := gateway.RolloutObservation(rollouts.Observation(o)); back != o {
		t.Fatalf("%+v", back)
	}
}
