package metering

// defaultPriceTable is micro-USD per 1M tokens, integer literals so the table has no float.
var defaultPriceTable = map[string]Price{
	// OpenAI list prices per 1M tokens (standard tier). Override in config when they change.
	"gpt-4o":                 {Input: 2_500_000, CachedInput: 1_250_000, Output: 10_000_000},
	"gpt-4o-mini":            {Input: 150_000, CachedInput: 75_000, Output: 600_000},
	"gpt-4.1":                {Input: 2_000_000, CachedInput: 500_000, Output: 8_000_000},
	"gpt-4.1-mini":           {Input: 400_000, CachedInput: 100_000, Output: 1_600_000},
	"gpt-4.1-nano":           {Input: 100_000, CachedInput: 25_000, Output: 400_000},
	"o3":                     {Input: 2_000_000, CachedInput: 500_000, Output: 8_000_000},
	"o3-mini":                {Input: 1_100_000, CachedInput: 550_000, Output: 4_400_000},
	"o4-mini":                {Input: 1_100_000, CachedInput: 275_000, Output: 4_400_000},
	"gpt-5":                  {Input: 1_250_000, CachedInput: 125_000, Output: 10_000_000},
	"gpt-5-mini":             {Input: 250_000, CachedInput: 25_000, Output: 2_000_000},
	"gpt-5-nano":             {Input: 50_000, CachedInput: 5_000, Output: 400_000},
	"text-embedding-3-small": {Input: 20_000},
	"text-embedding-3-large": {Input: 130_000},
	"text-embedding-ada-002": {Input: 100_000},
	// Mock models of the embedded default config: priced so tests and demos show non-zero cost.
	"mock-gpt":   {Input: 1_000_000, CachedInput: 500_000, Output: 2_000_000},
	"mock-embed": {Input: 100_000},
}

// DefaultPrices returns the embedded price table; unknown models are billed at zero and flagged.
// Use With to add config overrides, aliases and a non-zero fallback price.
func DefaultPrices() Prices {
	p, _ := Prices{}.With(defaultPriceTable, nil, Price{}) // the table is valid: TestDefaultPricesValid
	return p
}
