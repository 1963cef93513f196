//go:build !race

package gateway

import "testing"

// The race detector makes sync.Pool drop items, so allocation counts are
// checked without it.

// TestParseRequestAllocs: the key check adds no allocation to a common body,
// and a configured model's name is reused, not copied.
func TestParseRequestAllocs(t *testing.T) {
	body := []byte(`{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":[{"type":"text","text":"x"}]}],"tools":[{"type":"function","function":{"name":"f"}}]}`)
	for _, tc := range []struct {
		name  string
		rt    *servingConfig
		limit float64
	}{
		{"unknown model", nil, 1}, // the model string copied into rf
		{"configured model", &servingConfig{models: map[string]*model{"m": {name: "m"}}}, 0},
	} {
		n := testing.AllocsPerRun(100, func() {
			x := acquireExchange()
			defer releaseExchange(x)
			x.rt = tc.rt
			if e := parsingServer.readBody(x, epChat, body); e != nil {
				t.Fatal(e.Message)
			}
			if x.fields.Model != "m" {
				t.Fatalf("model %q", x.fields.Model)
			}
		})
		if n > tc.limit {
			t.Errorf("%s: %v allocations per parse, want at most %v", tc.name, n, tc.limit)
		}
	}
}
