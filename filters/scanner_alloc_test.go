//go:build !race

package filters

import "testing"

// A scan that finds nothing allocates nothing (scratch from the pool).
func TestScanAllocatesNothingWhenNothingFound(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Blocklists = []BlocklistConfig{{Name: "profanity", List: "surge_profanity", MinSeverity: 2}}
	s := mustScanner(t, cfg)
	for name, text := range map[string][]byte{
		"prose":    prose(t, 4096),
		"nonascii": []byte("Grüße aus München — naïve café, ｆｕｌｌｗｉｄｔｈ, zero\u200bwidth, time 10:30:00, v1.2.3"),
		"blob":     []byte("see aGVsbG8gd29ybGQsIG5vdGhpbmcgdG8gc2VlIGhlcmU= ok"),
	} {
		s.Scan(text, nil) // warm the pool
		dst := make([]Finding, 0, 8)
		if n := testing.AllocsPerRun(50, func() { dst = s.Scan(text, dst[:0]) }); n != 0 {
			t.Errorf("%s: %v allocations per scan", name, n)
		}
		if len(dst) != 0 {
			t.Errorf("%s: unexpected findings %v", name, dst)
		}
	}
}

// pii.person (opt-in) too: candidates looked up and rejected without allocating.
func TestPersonScanAllocatesNothingWhenNothingFound(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Detectors = append(cfg.Detectors, KindPerson)
	s := mustScanner(t, cfg)
	text := []byte("When the Board met in Paris on Monday, Microsoft Teams was down. " +
		"Dear Customer, the order shipped from 103 Cassidy Street. I'm Sorry. ")
	var dst []Finding
	dst = s.Scan(text, dst) // warm the pool and the lexicon
	if len(dst) != 0 {
		t.Fatalf("found %+v", dst)
	}
	if n := testing.AllocsPerRun(50, func() { dst = s.Scan(text, dst[:0]) }); n != 0 {
		t.Errorf("%.1f allocations per scan", n)
	}
}
