package config

import "testing"

// FuzzParse: any input yields a config or an error, never a panic, and a
// successful parse is fully defaulted.
func FuzzParse(f *testing.F) {
	f.Add(EmbeddedDefault())
	f.Add([]byte("models:\n  - {name: m, deployments: [{upstream: a}]}\n"))
	f.Add([]byte("keys: [{id: a, key: b}]\nlisten: ${X:-y}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "fuzz.yaml")
		if err == nil && (c.Listen == "" || c.Server.MaxBodyBytes == 0) {
			t.Fatalf("parsed config without defaults: %+v", c)
		}
	})
}
