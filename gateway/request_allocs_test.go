//go:build !race

package gateway

import "testing"

// The race detector makes sync.Pool drop items, so allocation counts are
// checked without it.

// TestParseRequestAllocs: the key check adds no allocation to a common body.
func TestParseRequestAllocs(t *testing.T) {
	body := []byte(`{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":[{"type":"text","text":"x"}]}],"tools":[{"type":"function","function":{"name":"f"}}]}`)
	n := testing.AllocsPerRun(100, func() {
		var rf requestFields
		if e := parseRequest(epChat, body, &rf); e != nil {
			t.Fatal(e.Message)
		}
	})
	if n > 1 { // the model string copied into rf
		t.Fatalf("%v allocations per parse", n)
	}
}
