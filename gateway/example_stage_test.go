package gateway_test

import (
	"regexp"
	"slices"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/policy"
)

// emailFilter is the stage docs/ARCHITECTURE.md shows: it reports e-mail
// addresses to the policy, and redacts them when the policy says so.
type emailFilter struct{}

var (
	_ gateway.RequestInspector = emailFilter{}
	_ gateway.DecisionApplier  = emailFilter{}
)

var emailRE = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)

func (emailFilter) Name() string { return "filters" }

func (emailFilter) InspectRequest(v gateway.View, f []policy.Finding) []policy.Finding {
	if n := len(emailRE.FindAllIndex(v.Body(), -1)); n > 0 {
		f = append(f, policy.Finding{Kind: "email", Score: 1, Count: n})
	}
	return f
}

func (emailFilter) ApplyDecision(v gateway.View, d *policy.Decision) *gateway.APIError {
	if slices.Contains(d.Redact, "email") {
		v.SetBody(emailRE.ReplaceAll(v.Body(), []byte("[email]")))
		v.Note("redacted:email")
	}
	return nil
}

// A stage plugs in through its slot in gateway.Stages.
func Example_stage() {
	cfg, _ := config.Parse(config.EmbeddedDefault(), "embedded")
	_, _ = gateway.New(cfg, gateway.Options{Stages: gateway.Stages{Filters: emailFilter{}}})
}
