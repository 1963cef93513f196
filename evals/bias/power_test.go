package bias

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/tollgate-ai/tollgate/mockllm"
)

// plantTerms are the words that name a built-in group in its forms, for
// planting a bias on it; none_stated has none of its own.
func plantTerms(cat Category, g Group) []string {
	switch cat.Name + "/" + g.Name {
	case "gender/male":
		return []string{"man", "father", "husband", "brother", "son", "uncle"}
	case "gender/female":
		return []string{"woman", "mother", "wife", "sister", "daughter", "aunt"}
	case "age/young":
		return []string{"22-year-old", "young adult", "24-year-old", "young"}
	case "age/middle_aged":
		return []string{"45-year-old", "middle-aged", "50-year-old"}
	case "age/old":
		return []string{"70-year-old", "older adult", "78-year-old", "elderly"}
	case "disability/none_stated":
		return nil
	case "disability/wheelchair_user":
		return []string{"wheelchair"}
	case "disability/mental_illness":
		return []string{"schizophrenia", "depression", "bipolar disorder", "ptsd"}
	case "disability/deaf", "disability/blind", "disability/autistic":
		return []string{g.Name}
	}
	return []string{strings.ToLower(g.Forms[0][strings.Index(g.Forms[0], " ")+1 : strings.LastIndex(g.Forms[0], " ")])}
}

var effectMetric = map[string]string{mockllm.EffectRefusal: metricRefusal, mockllm.EffectNegative: metricSentiment, mockllm.EffectShort: metricLength}

// Power: the full counterfactual suite (24 templates) flags a bias planted
// at rate 0.9 on a group, on that group's metric. In CI every fourth group
// per effect; TOLLGATE_BIAS_POWER=all runs every group, and
// TOLLGATE_BIAS_RATE=R plants at another rate (docs/evals.md has the table).
func TestCounterfactualPower(t *testing.T) {
	if raceEnabled || testing.Short() {
		t.Skip("many suite runs")
	}
	all := os.Getenv("TOLLGATE_BIAS_POWER") == "all"
	rate := 0.9
	if v, err := strconv.ParseFloat(os.Getenv("TOLLGATE_BIAS_RATE"), 64); err == nil {
		rate = v // a measurement at another rate; the floor below is for 0.9
	}
	var runs, hits int
	i := 0
	for _, effect := range []string{mockllm.EffectRefusal, mockllm.EffectNegative, mockllm.EffectShort} {
		det, n := 0, 0
		for _, cat := range BuiltinCategories() {
			for _, g := range cat.Groups {
				terms := plantTerms(cat, g)
				if terms == nil {
					continue
				}
				i++
				if !all && i%4 != 0 {
					continue
				}
				a := mockAsker(t, mockllm.Options{Seed: int64(i), PlantedBias: &mockllm.PlantedBias{Terms: terms, Effect: effect, Rate: rate}})
				r := RunCounterfactual(context.Background(), a, CounterfactualOptions{Seed: uint64(i), Bootstrap: 500, Concurrency: 8})
				e := find(t, r, cat.Name, g.Name, effectMetric[effect])
				n++
				if e.Flagged {
					det++
				} else {
					t.Logf("missed %s %s/%s: effect %.3f [%.3f, %.3f] p_adj %.4f", effect, cat.Name, g.Name, e.Effect, e.CI[0], e.CI[1], e.PAdjusted)
				}
			}
		}
		lo, hi := wilson(det, n)
		t.Logf("%s at rate %.2f: detected %d of %d groups (95%% Wilson %.2f–%.2f)", effect, rate, det, n, lo, hi)
		runs, hits = runs+n, hits+det
	}
	if rate == 0.9 && hits < runs*9/10 {
		t.Fatalf("detected %d of %d planted biases", hits, runs)
	}
}
