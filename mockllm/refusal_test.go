package mockllm

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestRefusalRate: the share of refused prompts follows the rate, a refusal
// is one of the refusal texts with its own usage, the same prompt always
// gets the same answer, and the header overrides the option.
func TestRefusalRate(t *testing.T) {
	ts := startServer(t, Options{RefusalRate: 0.2, Seed: 3})
	refusedBy := func(headers map[string]string) (refused []int) {
		for i := 0; i < 300; i++ {
			resp, err := ts.client(headers).CreateChatCompletion(context.Background(), chatRequest(fmt.Sprintf("question %d", i)))
			if err != nil {
				t.Fatal(err)
			}
			text := resp.Choices[0].Message.Content
			if j := slices.Index(refusalTexts, text); j >= 0 {
				if got := resp.Usage.CompletionTokens; got != ts.refusals[j].tokens {
					t.Errorf("refusal %q reports %d completion tokens", text, got)
				}
				if resp.Choices[0].FinishReason != "stop" {
					t.Errorf("refusal finish_reason %q", resp.Choices[0].FinishReason)
				}
				refused = append(refused, i)
			} else if strings.Contains(text, "sorry") {
				t.Errorf("answer %q is neither a refusal text nor generated", text)
			}
		}
		return refused
	}
	at20 := refusedBy(nil)
	// 0.2 × 300 = 60, σ ≈ 6.9: ±28 is > 4σ.
	if len(at20) < 32 || len(at20) > 88 {
		t.Errorf("%d of 300 refused at rate 0.2", len(at20))
	}
	if again := refusedBy(nil); !slices.Equal(again, at20) {
		t.Errorf("the same prompts were not refused again: %v then %v", at20, again)
	}
	at40 := refusedBy(map[string]string{"x-mock-refusal-rate": "0.4"})
	if len(at40) < 2*len(at20)-40 || len(at40) > 2*len(at20)+40 {
		t.Errorf("rate 0.4 refused %d, rate 0.2 %d: want about twice", len(at40), len(at20))
	}
	for _, i := range at20 { // one draw per prompt: a higher rate refuses a superset
		if !slices.Contains(at40, i) {
			t.Fatalf("prompt %d refused at 0.2 but not at 0.4", i)
		}
	}
	if none := refusedBy(map[string]string{"x-mock-refusal-rate": "0"}); len(none) != 0 {
		t.Errorf("rate 0 refused %d", len(none))
	}
	if status, _, body := ts.post(t, "/v1/chat/completions", map[string]string{"x-mock-refusal-rate": "2"}, chatBody); status != 400 ||
		!strings.Contains(strings.ToLower(string(body)), "x-mock-refusal-rate") {
		t.Errorf("bad rate: %d %s", status, body)
	}
	if err := (Options{RefusalRate: 1.5}).Validate(); err == nil || !strings.Contains(err.Error(), "refusal-rate") {
		t.Errorf("Validate: %v", err)
	}
}
