package loopport

import "testing"

// A port is picked once per process: with the kernel's picks alone, 2,000
// of them repeat ports many times over (about 28,000 ephemeral ports).
func TestPickNeverRepeats(t *testing.T) {
	seen := map[int]bool{}
	for range 2000 {
		port, err := Pick()
		if err != nil {
			t.Fatal(err)
		}
		if seen[port] {
			t.Fatalf("port %d picked twice", port)
		}
		seen[port] = true
	}
}
