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
	// Anthropic, Gemini and Bedrock list prices per 1M tokens (standard tier, as published on
	// anthropic.com/pricing, ai.google.dev/gemini-api/docs/pricing and aws.amazon.com/bedrock/pricing,
	// 2025-11; Gemini Pro at its <=200k-token prompt tier). CachedInput is the cache-read price; Anthropic's
	// cache writes are billed as input (they cost 1.25x: override in config where that matters).
	"claude-opus-4-5":   {Input: 5_000_000, CachedInput: 500_000, Output: 25_000_000},
	"claude-opus-4-1":   {Input: 15_000_000, CachedInput: 1_500_000, Output: 75_000_000},
	"claude-opus-4":     {Input: 15_000_000, CachedInput: 1_500_000, Output: 75_000_000},
	"claude-sonnet-4-5": {Input: 3_000_000, CachedInput: 300_000, Output: 15_000_000},
	"claude-sonnet-4":   {Input: 3_000_000, CachedInput: 300_000, Output: 15_000_000},
	"claude-3-7-sonnet": {Input: 3_000_000, CachedInput: 300_000, Output: 15_000_000},
	"claude-haiku-4-5":  {Input: 1_000_000, CachedInput: 100_000, Output: 5_000_000},
	"claude-3-5-haiku":  {Input: 800_000, CachedInput: 80_000, Output: 4_000_000},
	"claude-3-haiku":    {Input: 250_000, CachedInput: 30_000, Output: 1_250_000},
	// Bedrock names the same models "anthropic.<id>-v1:0"; the prefix match reaches these.
	"anthropic.claude-opus-4-5":    {Input: 5_000_000, CachedInput: 500_000, Output: 25_000_000},
	"anthropic.claude-opus-4-1":    {Input: 15_000_000, CachedInput: 1_500_000, Output: 75_000_000},
	"anthropic.claude-sonnet-4-5":  {Input: 3_000_000, CachedInput: 300_000, Output: 15_000_000},
	"anthropic.claude-sonnet-4":    {Input: 3_000_000, CachedInput: 300_000, Output: 15_000_000},
	"anthropic.claude-haiku-4-5":   {Input: 1_000_000, CachedInput: 100_000, Output: 5_000_000},
	"anthropic.claude-3-5-haiku":   {Input: 800_000, CachedInput: 80_000, Output: 4_000_000},
	"gemini-2.5-pro":               {Input: 1_250_000, CachedInput: 125_000, Output: 10_000_000},
	"gemini-2.5-flash":             {Input: 300_000, CachedInput: 30_000, Output: 2_500_000},
	"gemini-2.5-flash-lite":        {Input: 100_000, CachedInput: 10_000, Output: 400_000},
	"gemini-2.0-flash":             {Input: 100_000, CachedInput: 25_000, Output: 400_000},
	"gemini-2.0-flash-lite":        {Input: 75_000, Output: 300_000},
	"gemini-embedding-001":         {Input: 150_000},
	"amazon.nova-pro-v1:0":         {Input: 800_000, CachedInput: 200_000, Output: 3_200_000},
	"amazon.nova-lite-v1:0":        {Input: 60_000, CachedInput: 15_000, Output: 240_000},
	"amazon.nova-micro-v1:0":       {Input: 35_000, CachedInput: 8_750, Output: 140_000},
	"meta.llama3-3-70b-instruct":   {Input: 720_000, Output: 720_000},
	"meta.llama3-1-70b-instruct":   {Input: 720_000, Output: 720_000},
	"meta.llama3-1-8b-instruct":    {Input: 220_000, Output: 220_000},
	"amazon.titan-embed-text-v2:0": {Input: 20_000},
	"cohere.embed-english-v3":      {Input: 100_000},
	"cohere.embed-multilingual-v3": {Input: 100_000},
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
