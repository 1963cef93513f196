package policy

// Input is the document a policy sees as `input`. The gateway fills one per
// request (pooled: call Reset before reuse). Stages not built yet leave their
// part zero. Strings must be owned (not aliases of reusable request buffers):
// the decision log may read the built input after Decide returns.
//
// Keep in sync with schema/input.schema.json and docs/policies.md
// (TestInputSchemaInSync fails otherwise).
type Input struct {
	Phase     string // "request" | "response"
	Request   Request
	Principal Principal
	Estimate  Estimate
	Findings  []Finding // from the input filters
	Spend     Spend
	Health    map[string]ModelHealth // by model name
	Time      Time
	Response  Response // only sent to the policy when Phase == "response"
}

// Request describes the client request; never its prompt text.
type Request struct {
	Endpoint       string // e.g. "/v1/chat/completions"
	Model          string
	Stream         bool
	MaxTokens      int // 0 = not set by the client
	Temperature    float64
	HasTemperature bool // input.request.temperature is undefined when false
	N              int
	Tools          []string // tool (function) names
	MessageCount   int
	PromptChars    int
	User           string // the OpenAI `user` field; hashed in the decision log
	Metadata       map[string]string
}

// Principal is who is calling, resolved from the virtual key (never the key).
type Principal struct {
	Tenant string
	Team   string
	KeyID  string
	Tags   map[string]string
}

// Estimate is the metering stage's pre-flight estimate.
type Estimate struct {
	PromptTokens int
	MaxCostUSD   float64
}

// Finding is one detector result (counts and scores, never the matched text).
type Finding struct {
	Kind  string
	Score float64
	Count int
}

// Spend is what was spent so far, in USD.
type Spend struct {
	TenantToday, TenantMonth float64
	TeamToday, TeamMonth     float64
	KeyToday, KeyMonth       float64
	// BudgetRemaining is the USD left in the tightest budget of the key,
	// team and tenant; input.spend.budget_remaining is undefined when
	// HasBudget is false (no budget applies), so budget rules do not fire.
	BudgetRemaining float64
	HasBudget       bool
}

// ModelHealth is the rolling health of one model.
type ModelHealth struct {
	Status    string // "healthy" | "degraded" | "unhealthy"
	ErrorRate float64
	P99Ms     float64
}

// Time is the evaluation time, pre-split so policies need no time builtins.
type Time struct {
	Now     string // RFC 3339
	Hour    int    // 0..23
	Weekday string // "monday".."sunday"
}

// Response describes the upstream answer (response phase only).
type Response struct {
	Model        string
	FinishReason string
	Usage        Usage
	Findings     []Finding // from the output filters
}

// Usage is token usage as reported or counted.
type Usage struct {
	PromptTokens, CompletionTokens, TotalTokens int
}

// Reset clears in for reuse, keeping the capacity of its slices and maps.
func (in *Input) Reset() {
	tools, findings, rfindings := in.Request.Tools[:0], in.Findings[:0], in.Response.Findings[:0]
	md, tags, health := in.Request.Metadata, in.Principal.Tags, in.Health
	clear(md)
	clear(tags)
	clear(health)
	*in = Input{}
	in.Request.Tools, in.Findings, in.Response.Findings = tools, findings, rfindings
	in.Request.Metadata, in.Principal.Tags, in.Health = md, tags, health
}
