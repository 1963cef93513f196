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
