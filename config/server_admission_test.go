package config

import (
	"strings"
	"testing"
)

// TestServerAdmissionKeys: max_in_flight defaults when unset, keeps an
// explicit 0 (no limit), and rejects negative limits with file:line.
func TestServerAdmissionKeys(t *testing.T) {
	f := func(yml string, want int) {
		t.Helper()
		c, err := Parse([]byte(yml), "cfg.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if c.Server.MaxInFlight == nil || *c.Server.MaxInFlight != want {
			t.Fatalf("%q: max_in_flight %v, want %d", yml, c.Server.MaxInFlight, want)
		}
	}
	f("listen: 127.0.0.1:8080\n", DefaultMaxInFlight)
	f("server: {max_in_flight: 0}\n", 0)
	f("server: {max_in_flight: 250}\n", 250)

	bad := func(yml, want string) {
		t.Helper()
		_, err := Parse([]byte(yml), "cfg.yaml")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("%q: got %v, want an error with %q", yml, err, want)
		}
	}
	bad("server:\n  max_in_flight: -1\n", "cfg.yaml:2: server.max_in_flight: must be 0 (no limit) or more")
	bad("server:\n  concurrency: -5\n", "cfg.yaml:2: server.concurrency: must be 0")
}
