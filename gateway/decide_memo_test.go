package gateway_test

import (
	"context"
	"testing"
)

// TestResponseMemoThroughGateway: the example policies with the filters on,
// clean answers alternating with answers the output filters find a phone
// number in. Repeated answers are decided by the policy's response-phase
// memo (counted), and what the client gets is each answer's own decision:
// globex (pii: deny) is refused exactly the answers with a phone number,
// acme (pii: redact) gets every such answer redacted, the clean ones as
// they are. (acme outside 8-20 UTC is downgraded to gpt-4o-mini, served too.)
func TestResponseMemoThroughGateway(t *testing.T) {
	base, _, up := filtersGatewayOn(t, `
models:
  - {name: mock-gpt, deployments: [{upstream: u, model: mock-gpt}]}
  - {name: gpt-4o-mini, deployments: [{upstream: u, model: gpt-4o-mini}]}
keys:
  - {id: acme, key: sk-acme, tenant: acme, team: research}
  - {id: globex, key: sk-globex, tenant: globex, team: default}
filters: {enabled: true}
`, openPolicy(t, "../policy/examples"))
	const hitSeries = `tollgate_policy_response_memo_total{result="hit"}`
	hits0 := counterValue(t, hitSeries)
	clean, phone := "Connection pooling reuses sockets.", "Call me at +1 415 555 0132."
	ctx := context.Background()
	for round := range 3 {
		for _, answer := range []string{clean, phone} {
			up.fixed.Store(&answer)
			_, err := newClient(base, "sk-globex").CreateChatCompletion(ctx, chatReq("mock-gpt", "summarise pooling"))
			if answer == phone {
				apiErr(t, err, 403, "pii_detected")
			} else if err != nil {
				t.Fatalf("round %d, globex, clean answer: %v", round, err)
			}
			resp, err := newClient(base, "sk-acme").CreateChatCompletion(ctx, chatReq("mock-gpt", "summarise pooling"))
			if err != nil {
				t.Fatalf("round %d, acme: %v", round, err)
			}
			want := answer
			if answer == phone {
				want = "Call me at [PHONE_1]."
			}
			if got := resp.Choices[0].Message.Content; got != want {
				t.Fatalf("round %d, acme: answer %q, want %q", round, got, want)
			}
		}
	}
	// Four distinct response inputs (two tenants, with and without a
	// finding), twelve answers: at least eight are remembered decisions.
	if hits := counterValue(t, hitSeries) - hits0; hits < 8 {
		t.Fatalf("%v memo hits over 12 answers, want at least 8", hits)
	}
}
