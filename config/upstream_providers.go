package config

import "os"

// Upstream kinds translated by a provider (providers/…): the gateway speaks
// OpenAI to its stages and the provider's own API to the upstream.
const (
	KindAnthropic = "anthropic" // Anthropic Messages API
	KindGemini    = "gemini"    // Gemini API (API key) or Vertex AI
	KindBedrock   = "bedrock"   // AWS Bedrock Converse
)

// IsTranslated reports whether kind goes through a provider translation.
func IsTranslated(kind string) bool {
	return kind == KindAnthropic || kind == KindGemini || kind == KindBedrock
}

// AnthropicUpstream configures kind anthropic. The key is the upstream's
// api_key (sent as x-api-key); base_url is the API root without /v1
// (default https://api.anthropic.com).
type AnthropicUpstream struct {
	// Version is the anthropic-version header.
	Version string `yaml:"version"`
	// MaxTokens is the max_tokens sent when the client set none (the
	// Messages API requires it), by upstream model id; DefaultMaxTokens
	// for models not listed.
	MaxTokens        map[string]int `yaml:"max_tokens"`
	DefaultMaxTokens int            `yaml:"default_max_tokens"`
	// ThinkingBudgets are the thinking budget_tokens a reasoning_effort
	// asks for.
	ThinkingBudgets ThinkingBudgets `yaml:"thinking_budgets"`
}

// ThinkingBudgets maps reasoning_effort to a thinking budget in tokens.
type ThinkingBudgets struct {
	Low    int `yaml:"low"`
	Medium int `yaml:"medium"`
	High   int `yaml:"high"`
}

// GeminiUpstream configures kind gemini: the Gemini API with the
// upstream's api_key, or Vertex AI when Vertex.Project is set.
type GeminiUpstream struct {
	Vertex GeminiVertex `yaml:"vertex"`
}

// GeminiVertex selects Vertex AI: a project, its location and a service
// account's credentials file (empty: Application Default Credentials).
type GeminiVertex struct {
	Project         string `yaml:"project"`
	Location        string `yaml:"location"`
	CredentialsFile string `yaml:"credentials_file"`
}

// BedrockUpstream configures kind bedrock. Empty credentials are read from
// the standard AWS environment variables (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN); an empty region from
// AWS_REGION or AWS_DEFAULT_REGION.
type BedrockUpstream struct {
	Region          string `yaml:"region"`
	AccessKeyID     string `yaml:"access_key_id"`
	SecretAccessKey string `yaml:"secret_access_key"`
	SessionToken    string `yaml:"session_token"`
}

// Provider defaults.
const (
	DefaultAnthropicVersion   = "2023-06-01"
	DefaultAnthropicMaxTokens = 4096
	defaultAnthropicURL       = "https://api.anthropic.com"
	defaultGeminiURL          = "https://generativelanguage.googleapis.com"
)

// defaultProviderUpstream fills a translated kind's defaults.
func defaultProviderUpstream(u *Upstream) {
	switch u.Kind {
	case KindAnthropic:
		a := &u.Anthropic
		if u.BaseURL == "" {
			u.BaseURL = defaultAnthropicURL
		}
		if a.Version == "" {
			a.Version = DefaultAnthropicVersion
		}
		setInt(&a.DefaultMaxTokens, DefaultAnthropicMaxTokens)
		setInt(&a.ThinkingBudgets.Low, 1024)
		setInt(&a.ThinkingBudgets.Medium, 4096)
		setInt(&a.ThinkingBudgets.High, 16384)
	case KindGemini:
		if u.BaseURL == "" {
			if v := u.Gemini.Vertex; v.Project != "" && v.Location != "" {
				u.BaseURL = "https://" + v.Location + "-aiplatform.googleapis.com"
			} else {
				u.BaseURL = defaultGeminiURL
			}
		}
	case KindBedrock:
		b := &u.Bedrock
		if b.Region == "" {
			b.Region = os.Getenv("AWS_REGION")
		}
		if b.Region == "" {
			b.Region = os.Getenv("AWS_DEFAULT_REGION")
		}
		if u.BaseURL == "" && b.Region != "" {
			u.BaseURL = "https://bedrock-runtime." + b.Region + ".amazonaws.com"
		}
	}
}
