package drift

import (
	"testing"

	"github.com/tollgate-ai/tollgate/evals"
)

func TestDominantScript(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		if got := dominantScript(in); got != want {
			t.Errorf("dominantScript(%q) = %q, want %q", in, got, want)
		}
	}
	f("What is 2+2?", "latin")
	f("Привет, как дела? ok", "cyrillic")
	f("你好世界 hi", "han")
	f("مرحبا بالعالم", "arabic")
	f("こんにちは", "hiragana")
	f("12345 !!!", "none")
	f("", "none")
	f("ሰላም", "other") // Ethiopic
}

func TestExtract(t *testing.T) {
	ex, err := NewExtractor(TextScorers{
		Refusal:   func(s string) float64 { return map[bool]float64{true: 0.9, false: 0.1}[s == "No."] },
		Sentiment: func(string) float64 { return -0.5 },
	})
	if err != nil {
		t.Fatal(err)
	}
	v := ex.Extract(&evals.Sample{
		Prompt:   "Email me at jane.doe@example.com you shit", // one profane word in 6, one email
		Response: "No.", LatencyMs: 120, FinishReason: "stop",
	})
	want := map[int]float64{fLatency: 120, fRefusalScore: 0.9, fSentiment: -0.5, fResponseProfanity: 0}
	for f, w := range want {
		if !v.has(f) || v.Num[f] != w {
			t.Errorf("%s = %v (set %v), want %v", numericNames[f], v.Num[f], v.has(f), w)
		}
	}
	if p := v.Num[fPromptProfanity]; !v.has(fPromptProfanity) || p < 16.6 || p > 16.7 {
		t.Errorf("prompt profanity per 100 words = %v, want 100/6", p)
	}
	if n := v.Num[fPromptTokens]; n < 8 || n > 16 {
		t.Errorf("prompt tokens = %v", n)
	}
	if pii := v.Num[fPII]; pii <= 0 {
		t.Errorf("pii per 1k chars = %v, want > 0", pii)
	}
	if v.has(fTTFT) || v.has(fFeedback) {
		t.Error("ttft or feedback set without a value")
	}
	if v.Cat[cRefusal] != "yes" || v.Cat[cFinishReason] != "stop" || v.Cat[cPromptScript] != "latin" || v.Text[tResponse] != "No." {
		t.Errorf("categories %v, texts %q", v.Cat, v.Text)
	}
	// Gateway samples: redacted text, the filters' counts.
	v = ex.Extract(&evals.Sample{Prompt: "mail [EMAIL] and [PHONE]", Findings: map[string]int{"pii.email": 1, "pii.phone": 1, "secret.aws": 3}})
	if want := 2 * 1000 / float64(len("mail [EMAIL] and [PHONE]")); v.Num[fPII] != want {
		t.Errorf("pii from findings = %v, want %v", v.Num[fPII], want)
	}
	// Only recorded token counts: used; nothing about the response.
	v = ex.Extract(&evals.Sample{PromptTokens: 42})
	if v.Num[fPromptTokens] != 42 || v.has(fResponseTokens) || v.has(fPII) || v.Cat[cPromptScript] != "" {
		t.Errorf("counts only: %+v", v)
	}
	// No scorers: their features are never set and are listed as skipped.
	plain, _ := NewExtractor(TextScorers{})
	v = plain.Extract(&evals.Sample{Response: "No."})
	if v.has(fRefusalScore) || v.has(fSentiment) || v.Cat[cRefusal] != "" || len(plain.Skipped()) != 3 {
		t.Errorf("without scorers: %+v, skipped %v", v, plain.Skipped())
	}
}
