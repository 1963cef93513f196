package mockllm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"
)

func TestParsePlantedBias(t *testing.T) {
	pb, err := ParsePlantedBias("terms=Muslim| african american ,effect=refusal,rate=0.75")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(pb.Terms, "|") != "muslim|african american" || pb.Effect != EffectRefusal || pb.Rate != 0.75 {
		t.Fatalf("parsed %+v", pb)
	}
	if again, err := ParsePlantedBias(pb.String()); err != nil || again.String() != pb.String() {
		t.Fatalf("round trip: %v %v", again, err)
	}
	for _, bad := range []string{
		"", "terms=a,effect=refusal", "terms=a,effect=rude,rate=1", "effect=short,rate=1", "terms=a,effect=short,rate=1.5",
		"terms=a,effect=short,rate=x", "terms=a,effect=short,rate=1,extra=1", "terms=a;effect=short",
	} {
		if _, err := ParsePlantedBias(bad); err == nil {
			t.Errorf("ParsePlantedBias(%q) accepted", bad)
		}
	}
}

func chatText(t *testing.T, c *openai.Client, system, user string) (string, int) {
	t.Helper()
	msgs := []openai.ChatCompletionMessage{{Role: "user", Content: user}}
	if system != "" {
		msgs = append([]openai.ChatCompletionMessage{{Role: "system", Content: system}}, msgs...)
	}
	resp, err := c.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{Model: "mock-gpt", Messages: msgs})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Choices[0].Message.Content, resp.Usage.CompletionTokens
}

func TestPlantedBiasEffects(t *testing.T) {
	for _, effect := range []string{EffectRefusal, EffectNegative, EffectShort} {
		t.Run(effect, func(t *testing.T) {
			ts := startServer(t, Options{Seed: 3, PlantedBias: &PlantedBias{Terms: []string{"Muslim", "older adult"}, Effect: effect, Rate: 1}})
			c := ts.client(nil)
			plain, _ := chatText(t, c, "", "Write a short story about a teacher.")
			hit, tokens := chatText(t, c, "", "Write a short story about a MUSLIM teacher.")
			phrase, _ := chatText(t, c, "", "Describe an older adult at work.")
			// Not whole words, or not in a user message: no effect.
			partial, _ := chatText(t, c, "", "Write about muslims and muslimness.")
			system, _ := chatText(t, c, "You talk to a Muslim user.", "Write about a teacher.")
			for name, text := range map[string]string{"plain": plain, "partial": partial, "system": system} {
				if len(strings.Fields(text)) != DefaultMaxTokens {
					t.Errorf("%s: unaffected answer has %d words: %q", name, len(strings.Fields(text)), text)
				}
			}
			for _, text := range []string{hit, phrase} {
				words := len(strings.Fields(text))
				switch effect {
				case EffectRefusal:
					if !containsAnyOf(text, "sorry", "cannot", "not able", "won't") || words >= DefaultMaxTokens {
						t.Errorf("refusal effect gave %q", text)
					}
				case EffectNegative:
					if words != DefaultMaxTokens || !containsAnyOf(strings.ToLower(text), "terrible", "bad", "poor") {
						t.Errorf("negative effect gave %q", text)
					}
				case EffectShort:
					if words != shortWords {
						t.Errorf("short effect gave %d words: %q", words, text)
					}
				}
			}
			if effect == EffectShort && tokens != shortWords {
				t.Errorf("usage says %d completion tokens for %d words", tokens, shortWords)
			}
			if effect == EffectRefusal && (tokens < 5 || tokens > 30) {
				t.Errorf("usage says %d completion tokens for %q", tokens, hit)
			}
		})
	}
}

func containsAnyOf(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// The rate is honoured over many prompts, deterministically per prompt and
// seed, and a different seed draws differently.
func TestPlantedBiasRateAndDeterminism(t *testing.T) {
	const n = 300
	count := func(seed int64) (hits int, texts []string) {
		ts := startServer(t, Options{Seed: seed, PlantedBias: &PlantedBias{Terms: []string{"nurse"}, Effect: EffectShort, Rate: 0.3}})
		c := ts.client(nil)
		for i := 0; i < n; i++ {
			text, _ := chatText(t, c, "", fmt.Sprintf("Question %d about the nurse.", i))
			if len(strings.Fields(text)) == shortWords {
				hits++
			}
			texts = append(texts, text)
		}
		return hits, texts
	}
	h1, t1 := count(1)
	h1b, t1b := count(1)
	h2, t2 := count(2)
	if h1 != h1b || strings.Join(t1, "\n") != strings.Join(t1b, "\n") {
		t.Fatal("same seed, different answers")
	}
	if strings.Join(t1, "\n") == strings.Join(t2, "\n") {
		t.Fatal("different seeds, same answers")
	}
	// Binomial(300, 0.3): mean 90, sd 7.9; ±4 sd.
	for _, h := range []int{h1, h2} {
		if h < 58 || h > 122 {
			t.Fatalf("%d of %d affected at rate 0.3", h, n)
		}
	}
}

// A stream carries the same planted text as the JSON answer.
func TestPlantedBiasStream(t *testing.T) {
	ts := startServer(t, Options{PlantedBias: &PlantedBias{Terms: []string{"jewish"}, Effect: EffectRefusal, Rate: 1}})
	c := ts.client(nil)
	const prompt = "Plan a trip for a Jewish family."
	want, _ := chatText(t, c, "", prompt)
	st, err := c.CreateChatCompletionStream(context.Background(), openai.ChatCompletionRequest{
		Model: "mock-gpt", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: prompt}}, Stream: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var got strings.Builder
	for {
		r, err := st.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Choices) > 0 {
			got.WriteString(r.Choices[0].Delta.Content)
		}
	}
	if got.String() != want {
		t.Fatalf("stream %q, JSON %q", got.String(), want)
	}
}
