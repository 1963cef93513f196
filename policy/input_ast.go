package policy

import (
	"math"
	"strconv"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Object keys of the input document, built once.
var (
	kPhase, kRequest, kPrincipal, kEstimate, kFindings = key("phase"), key("request"), key("principal"), key("estimate"), key("findings")
	kSpend, kHealth, kTime, kResponse                  = key("spend"), key("health"), key("time"), key("response")

	kEndpoint, kModel, kStream, kMaxTokens, kTemperature = key("endpoint"), key("model"), key("stream"), key("max_tokens"), key("temperature")
	kN, kTools, kMessageCount, kPromptChars, kUser       = key("n"), key("tools"), key("message_count"), key("prompt_chars"), key("user")
	kMetadata                                            = key("metadata")

	kTenant, kTeam, kKeyID, kTags = key("tenant"), key("team"), key("key_id"), key("tags")

	kPromptTokens, kMaxCostUSD = key("prompt_tokens"), key("max_cost_usd")
	kKind, kScore, kCount      = key("kind"), key("score"), key("count")

	kTenantToday, kTenantMonth, kTeamToday, kTeamMonth = key("tenant_today"), key("tenant_month"), key("team_today"), key("team_month")
	kKeyToday, kKeyMonth, kBudgetRemaining             = key("key_today"), key("key_month"), key("budget_remaining")

	kStatus, kErrorRate, kP99Ms = key("status"), key("error_rate"), key("p99_ms")
	kNow, kHour, kWeekday       = key("now"), key("hour"), key("weekday")

	kFinishReason, kUsage, kCompletionTokens, kTotalTokens = key("finish_reason"), key("usage"), key("completion_tokens"), key("total_tokens")

	emptyArray  = ast.ArrayTerm()
	emptyObject = ast.ObjectTerm()
)

func key(s string) *ast.Term { return ast.InternedTerm(s) }

// inputValue builds the input document straight into OPA's value types.
func (c *termCache) inputValue(in *Input) ast.Value {
	n := 8
	if in.Phase == "response" {
		n = 9
	}
	var kv [9][2]*ast.Term
	kv[0] = item(kPhase, c.str(in.Phase))
	kv[1] = item(kRequest, c.requestTerm(&in.Request))
	kv[2] = item(kPrincipal, c.principalTerm(&in.Principal))
	kv[3] = item(kEstimate, ast.ObjectTerm(
		item(kPromptTokens, intTerm(in.Estimate.PromptTokens)),
		item(kMaxCostUSD, floatTerm(in.Estimate.MaxCostUSD))))
	kv[4] = item(kFindings, c.findingsTerm(in.Findings))
	kv[5] = item(kSpend, spendTerm(&in.Spend))
	kv[6] = item(kHealth, c.healthTerm(in.Health))
	kv[7] = item(kTime, c.timeTerm(&in.Time))
	if n == 9 {
		kv[8] = item(kResponse, c.responseTerm(&in.Response))
	}
	return ast.NewObject(kv[:n]...)
}

func (c *termCache) requestTerm(r *Request) *ast.Term {
	var kv [12][2]*ast.Term
	kv[0] = item(kEndpoint, c.str(r.Endpoint))
	kv[1] = item(kModel, c.str(r.Model))
	kv[2] = item(kStream, ast.InternedTerm(r.Stream))
	kv[3] = item(kMaxTokens, intTerm(r.MaxTokens))
	kv[4] = item(kN, intTerm(r.N))
	kv[5] = item(kTools, c.stringsTerm(r.Tools))
	kv[6] = item(kMessageCount, intTerm(r.MessageCount))
	kv[7] = item(kPromptChars, intTerm(r.PromptChars))
	kv[8] = item(kUser, c.str(r.User))
	kv[9] = item(kMetadata, c.stringMapTerm(r.Metadata))
	n := 10
	if r.HasTemperature {
		kv[n] = item(kTemperature, floatTerm(r.Temperature))
		n++
	}
	return ast.ObjectTerm(kv[:n]...)
}

func spendTerm(s *Spend) *ast.Term {
	return ast.ObjectTerm(
		item(kTenantToday, floatTerm(s.TenantToday)),
		item(kTenantMonth, floatTerm(s.TenantMonth)),
		item(kTeamToday, floatTerm(s.TeamToday)),
		item(kTeamMonth, floatTerm(s.TeamMonth)),
		item(kKeyToday, floatTerm(s.KeyToday)),
		item(kKeyMonth, floatTerm(s.KeyMonth)),
		item(kBudgetRemaining, floatTerm(s.BudgetRemaining)))
}

func (c *termCache) responseTerm(r *Response) *ast.Term {
	return ast.ObjectTerm(
		item(kModel, c.str(r.Model)),
		item(kFinishReason, c.str(r.FinishReason)),
		item(kUsage, ast.ObjectTerm(
			item(kPromptTokens, intTerm(r.Usage.PromptTokens)),
			item(kCompletionTokens, intTerm(r.Usage.CompletionTokens)),
			item(kTotalTokens, intTerm(r.Usage.TotalTokens)))),
		item(kFindings, c.findingsTerm(r.Findings)))
}

func (c *termCache) findingsTerm(fs []Finding) *ast.Term {
	if len(fs) == 0 {
		return emptyArray
	}
	ts := make([]*ast.Term, len(fs))
	for i := range fs {
		ts[i] = ast.ObjectTerm(
			item(kKind, c.str(fs[i].Kind)),
			item(kScore, floatTerm(fs[i].Score)),
			item(kCount, intTerm(fs[i].Count)))
	}
	return ast.ArrayTerm(ts...)
}

func (c *termCache) stringsTerm(ss []string) *ast.Term {
	if len(ss) == 0 {
		return emptyArray
	}
	ts := make([]*ast.Term, len(ss))
	for i, s := range ss {
		ts[i] = c.str(s)
	}
	return ast.ArrayTerm(ts...)
}

func (c *termCache) stringMapTerm(m map[string]string) *ast.Term {
	if len(m) == 0 {
		return emptyObject
	}
	kv := make([][2]*ast.Term, 0, len(m))
	for k, v := range m {
		kv = append(kv, item(c.str(k), c.str(v)))
	}
	return ast.ObjectTerm(kv...)
}

func item(k, v *ast.Term) [2]*ast.Term { return [2]*ast.Term{k, v} }

func intTerm(i int) *ast.Term { return ast.InternedTerm(i) }

// floatTerm keeps integral values interned and maps NaN/Inf (not JSON) to 0.
func floatTerm(f float64) *ast.Term {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return ast.InternedTerm(0)
	case f == math.Trunc(f) && math.Abs(f) < 1<<20:
		return ast.InternedTerm(int(f))
	}
	return ast.NewTerm(ast.Number(strconv.FormatFloat(f, 'g', -1, 64)))
}
