package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/tollgate-ai/tollgate/mockllm"
	"github.com/tollgate-ai/tollgate/rollouts"
)

// shadowYAML copies every request for m (stable) to m-next in the
// background; the hour-long interval keeps the analysis out of the test.
// The key has a budget, so what it is charged can be read back.
const shadowYAML = `
upstreams:
  - {name: stable, kind: openai, base_url: "{{STABLE}}"}
  - {name: cand, kind: openai, base_url: "{{CAND}}"}
models:
  - {name: m, deployments: [{upstream: stable, model: mock-gpt}]}
  - {name: m-next, deployments: [{upstream: cand, model: mock-gpt}], retry: {attempts: 1}}
keys: [{id: k1, key: sk-test, tenant: acme, budget: {total_usd: 100}}]
metering: {prices: {mock-gpt: {input: 1, output: 2}}}
rollouts:
  - model: m
    mode: shadow
    candidate: {model: m-next}
    interval: 1h
    shadow: {share: 1, max_concurrency: 4, daily_usd: 5}
`

// TestRolloutShadowNeverChangesTheAnswer: with every request shadowed to
// a candidate that answers differently (another seed, failing a
// third of the time), each client gets exactly stable's answer (the
// stable mock asked directly, for buffered and streamed requests), named
// m; the shadow calls reach the candidate with stream off, land in the
// ledger as records of their own tagged rollout: shadow (the client's
// are rollout: stable), and the key's budget is charged only the client's
// cost. The controller sees the pairs.
func TestRolloutShadowNeverChangesTheAnswer(t *testing.T) {
	stableURL, _ := startMock(t, mockllm.Options{Seed: 1})
	candURL, cand := startSwitchable(t)
	cand.mock = mockllm.New(mockllm.Options{Seed: 2, ErrorRate: 0.3})
	rig := startRolloutGateway(t, shadowYAML, map[string]string{"STABLE": stableURL, "CAND": candURL}, nil, "")
	direct := newClient(stableURL, "unused")
	c := newClient(rig.base, "sk-test")
	const n = 24
	for i := 0; i < n; i++ {
		req := chatReq("m", fmt.Sprintf("shadowed question %d", i))
		stream := i%3 == 2
		var got, header string
		if stream {
			req.Stream = true
			s, err := c.CreateChatCompletionStream(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			header = s.Header().Get("X-Tollgate-Model")
			got = readStreamText(t, s)
		} else {
			resp, err := c.CreateChatCompletion(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			got, header = resp.Choices[0].Message.Content, resp.Header().Get("X-Tollgate-Model")
		}
		req.Stream = false
		want, err := direct.CreateChatCompletion(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if got != want.Choices[0].Message.Content || header != "m" {
			t.Fatalf("request %d (stream %v): got %q from %q, stable says %q", i, stream, got, header, want.Choices[0].Message.Content)
		}
	}
	// Every request was offered for a copy (share 1; at most 4 run at a
	// time and the client waits for none, so some may be skipped): once
	// none runs, the ledger holds the client's n records and one per call
	// the candidate got (one attempt each).
	var clientRecs, shadowRecs []metering.Record
	waitFor(t, "shadow records", func() bool {
		clientRecs, shadowRecs = nil, nil
		for _, r := range readLedger(rig.ledgerDir) {
			if r.Rollout == "shadow" {
				shadowRecs = append(shadowRecs, r)
			} else {
				clientRecs = append(clientRecs, r)
			}
		}
		st := rig.status(t, "m")
		return len(clientRecs) == n && st.Shadow != nil && st.Shadow.InFlight == 0 &&
			int64(len(shadowRecs)) == cand.hits.Load()
	})
	st := rig.status(t, "m")
	t.Logf("%d shadow records of %d requests; shadow status %+v", len(shadowRecs), n, *st.Shadow)
	if len(shadowRecs) < n/2 {
		t.Errorf("only %d of %d requests were shadowed", len(shadowRecs), n)
	}
	var clientMicros int64
	for _, r := range clientRecs {
		if r.Rollout != "stable" || r.ModelServed != "m" || strings.HasSuffix(r.RequestID, "-shadow") {
			t.Fatalf("client record %+v", r)
		}
		clientMicros += r.CostMicros
	}
	var shadowMicros int64
	for _, r := range shadowRecs {
		if !strings.HasSuffix(r.RequestID, "-shadow") || r.KeyID != "k1" || (r.Status == 200 && (r.ModelServed != "m-next" || r.CostMicros == 0)) {
			t.Fatalf("shadow record %+v", r)
		}
		shadowMicros += r.CostMicros
	}
	if last := cand.lastReq.Load(); last == nil || strings.Contains(string(last.body), `"stream":true`) {
		t.Fatalf("the candidate got %+v, want a non-stream copy", last)
	}
	sp, err := rig.lim.Spend(context.Background(), metering.Subject{Tenant: "acme", KeyID: "k1", Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	if sp.Key.TotalMicros != clientMicros || shadowMicros == 0 {
		t.Fatalf("the key's budget was charged %d µ$; its own requests cost %d, the shadow calls %d", sp.Key.TotalMicros, clientMicros, shadowMicros)
	}
	if st.Shadow.SpentUSD <= 0 {
		t.Errorf("shadow spend not counted against daily_usd: %+v", *st.Shadow)
	}
	if st.State != rollouts.StateRunning || st.Percent != 0 {
		t.Errorf("shadow mode routed clients to the candidate: %+v", st)
	}
}

// readStreamText is the streamed answer's text.
func readStreamText(t *testing.T, s *openai.ChatCompletionStream) string {
	t.Helper()
	defer s.Close()
	var text strings.Builder
	for {
		r, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return text.String()
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Choices) > 0 {
			text.WriteString(r.Choices[0].Delta.Content)
		}
	}
}
