package metering

import "testing"

// TestProviderPrices: the providers' model ids as their APIs name them
// (dated versions, Bedrock ids) find their prices.
func TestProviderPrices(t *testing.T) {
	p := DefaultPrices()
	for model, want := range map[string]int64{
		"claude-sonnet-4-5-20250929":                3_000_000,
		"claude-haiku-4-5":                          1_000_000,
		"claude-3-5-haiku-20241022":                 800_000,
		"anthropic.claude-sonnet-4-5-20250929-v1:0": 3_000_000,
		"gemini-2.5-flash":                          300_000,
		"gemini-2.5-flash-lite":                     100_000,
		"amazon.nova-pro-v1:0":                      800_000,
		"meta.llama3-1-70b-instruct-v1:0":           720_000,
		"amazon.titan-embed-text-v2:0":              20_000,
	} {
		pr, ok := p.Lookup(model)
		if !ok || pr.Input != want {
			t.Errorf("%s: %+v known=%v, want input %d", model, pr, ok, want)
		}
	}
}
