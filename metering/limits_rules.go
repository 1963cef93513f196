package metering

// Limit is what one key, team, tenant or model may use. Zero means unlimited.
type Limit struct {
	RPM           int64 `json:"rpm,omitempty" yaml:"rpm"`                       // requests per minute
	TPM           int64 `json:"tpm,omitempty" yaml:"tpm"`                       // tokens per minute (prompt estimate + max_tokens at reserve)
	DailyMicros   int64 `json:"daily_micros,omitempty" yaml:"daily_micros"`     // budget per UTC day, micro-USD
	MonthlyMicros int64 `json:"monthly_micros,omitempty" yaml:"monthly_micros"` // budget per UTC month, micro-USD
	TotalMicros   int64 `json:"total_micros,omitempty" yaml:"total_micros"`     // lifetime budget, micro-USD
}

// Rules are the limits that apply to one request. Model limits are RPM/TPM per (tenant, model): a
// global per-model limit would need a key outside the tenant's Redis Cluster slot.
type Rules struct {
	Key, Team, Tenant, Model Limit
}

// RuleSource gives the rules for a subject. Implementations must be safe for concurrent use and fast:
// Reserve calls it on every request. Use an atomic.Pointer swap to reload.
type RuleSource interface {
	Rules(Subject) Rules
}

// RuleFunc adapts a function to RuleSource.
type RuleFunc func(Subject) Rules

func (f RuleFunc) Rules(s Subject) Rules { return f(s) }

// StaticRules is a RuleSource filled from config: limits by key id, team, tenant and model name,
// with defaults for those not listed.
type StaticRules struct {
	Keys, Teams, Tenants, Models                         map[string]Limit
	DefaultKey, DefaultTeam, DefaultTenant, DefaultModel Limit
}

var _ RuleSource = (*StaticRules)(nil)

func (r *StaticRules) Rules(s Subject) Rules {
	pick := func(m map[string]Limit, name string, def Limit) Limit {
		if l, ok := m[name]; ok {
			return l
		}
		return def
	}
	return Rules{
		Key:    pick(r.Keys, s.KeyID, r.DefaultKey),
		Team:   pick(r.Teams, s.Team, r.DefaultTeam),
		Tenant: pick(r.Tenants, s.Tenant, r.DefaultTenant),
		Model:  pick(r.Models, s.Model, r.DefaultModel),
	}
}
