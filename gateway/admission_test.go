package gateway

import "testing"

func TestAdmissionEnterLeave(t *testing.T) {
	var a admission
	f := func(limit int, want bool) {
		t.Helper()
		if got := a.enter(limit); got != want {
			t.Fatalf("enter(%d) with %d in flight = %v, want %v", limit, a.inFlight.Load(), got, want)
		}
	}
	f(2, true)
	f(2, true)
	f(2, false) // full: the count stays at the limit
	if n := a.inFlight.Load(); n != 2 {
		t.Fatalf("in flight %d after a refusal, want 2", n)
	}
	f(0, true) // 0 = no limit, still counted
	a.leave()
	a.leave()
	f(3, true)
	a.leave()
	a.leave()
	if n := a.inFlight.Load(); n != 0 {
		t.Fatalf("in flight %d, want 0", n)
	}
}
