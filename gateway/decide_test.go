package gateway

import (
	"testing"

	"github.com/tollgate-ai/tollgate/policy"
)

// TestReleaseInputKeepsSharedMaps: pooled inputs must not wipe the maps
// they borrowed (a key's configured tags, the shared health view).
func TestReleaseInputKeepsSharedMaps(t *testing.T) {
	tags := map[string]string{"env": "prod"}
	health := map[string]policy.ModelHealth{"m": {Status: "healthy"}}
	in := inputPool.Get().(*policy.Input)
	in.Principal.Tags, in.Health = tags, health
	releaseInput(in)
	if len(tags) != 1 || len(health) != 1 {
		t.Fatalf("shared maps cleared: tags %v health %v", tags, health)
	}
}
