package gateway

import "testing"

func TestSafePolicyHeader(t *testing.T) {
	for name, want := range map[string]bool{
		"x-fallback-from": true, "X-Policy-Note": true,
		"x-tollgate-model": false, "X-Tollgate-Tags": false, "x-ratelimit-remaining-requests": false,
		"x-request-id": false, "content-type": false, "set-cookie": false,
	} {
		if got := safePolicyHeader(name); got != want {
			t.Errorf("safePolicyHeader(%q) = %v, want %v", name, got, want)
		}
	}
}
