package rollouts

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

func TestWilsonAndNewcombe(t *testing.T) {
	// Reference values: Wilson 95 % two-sided (z 1.96) of 10/100 is
	// [0.0552, 0.1744]; of 0/50 [0, 0.0714].
	lo, hi := wilson(10, 100, 1.959964)
	if math.Abs(lo-0.0552) > 5e-4 || math.Abs(hi-0.1744) > 5e-4 {
		t.Errorf("wilson(10,100) = [%.4f, %.4f]", lo, hi)
	}
	if lo, hi := wilson(0, 50, 1.959964); lo != 0 || math.Abs(hi-0.0714) > 5e-4 {
		t.Errorf("wilson(0,50) = [%.4f, %.4f]", lo, hi)
	}
	// Newcombe's example (1998, method 10): 56/70 − 48/80 = 0.2, 95 %
	// interval [0.0524, 0.3339].
	d, lo, hi := rateDiff(56, 70, 48, 80, 1.959964)
	if math.Abs(d-0.2) > 1e-9 || math.Abs(lo-0.0524) > 5e-4 || math.Abs(hi-0.3339) > 5e-4 {
		t.Errorf("rateDiff = %.4f [%.4f, %.4f]", d, lo, hi)
	}
	if z := zOneSided(0.05); math.Abs(z-1.6449) > 1e-4 {
		t.Errorf("z(0.05) = %v", z)
	}
}

// TestSketchQuantileCoverage: the bounds of p50 and p99 of lognormal
// samples cover the true quantile at least as often as their level says
// (one-sided 97.5 % each side: ≥ 95 % together), and the estimate is within
// a bucket.
func TestSketchQuantileCoverage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	z := zOneSided(0.025)
	for _, q := range []float64{0.5, 0.99} {
		truth := math.Exp(0.5 * math.Sqrt2 * math.Erfinv(2*q-1)) // lognormal(0, 0.5) quantile ×1000
		truth *= 1000
		covered, runs := 0, 400
		for range runs {
			var s sketch
			xs := make([]float64, 2000)
			for i := range xs {
				xs[i] = 1000 * math.Exp(0.5*rng.NormFloat64())
				s.add(xs[i])
			}
			est, lo, hi := s.quantile(q, z)
			if lo <= truth && truth <= hi {
				covered++
			}
			sort.Float64s(xs)
			// The estimate is the sample's quantile to within a bucket (4 %).
			if sample := xs[int(math.Ceil(q*2000))-1]; math.Abs(est/sample-1) > 0.03 {
				t.Fatalf("p%v estimate %v, the sample's %v", q*100, est, sample)
			}
		}
		if covered < runs*93/100 {
			t.Errorf("p%v: bounds covered the truth %d of %d times", q*100, covered, runs)
		}
	}
	var s sketch
	for i := range 50 {
		s.add(float64(i + 1))
	}
	if _, _, hi := s.quantile(0.99, z); !math.IsInf(hi, 1) {
		t.Errorf("p99 of 50 values has a finite upper bound %v", hi)
	}
	b, _ := json.Marshal(s)
	var back sketch
	if err := json.Unmarshal(b, &back); err != nil || back.n != 50 {
		t.Fatalf("round trip: %v, n %d", err, back.n)
	}
	a, _, _ := s.quantile(0.5, z)
	c, _, _ := back.quantile(0.5, z)
	if a != c {
		t.Fatalf("median %v after a round trip, %v before", c, a)
	}
}

func TestAgreement(t *testing.T) {
	a := Observation{Text: "Sort the list, then merge both halves in linear time."}
	same := Observation{Text: "sort the list then merge both halves in linear time"}
	para := Observation{Text: "Sort the list and merge the two halves in linear time."}
	other := Observation{Text: "Paris is the capital of France."}
	if s := agreement(&a, &same); s < 0.99 {
		t.Errorf("same answer: %v", s)
	}
	if s := agreement(&a, &para); s < 0.4 || s > 0.95 {
		t.Errorf("paraphrase: %v", s)
	}
	if s := agreement(&a, &other); s > 0.2 {
		t.Errorf("unrelated: %v", s)
	}
	if s := agreement(&Observation{ToolCall: "get_weather"}, &Observation{ToolCall: "get_weather", Text: "x"}); s != 1 {
		t.Errorf("same tool: %v", s)
	}
	if s := agreement(&Observation{ToolCall: "get_weather"}, &Observation{Text: "It is sunny."}); s != 0 {
		t.Errorf("tool call vs text: %v", s)
	}
}

// TestSimDriftCheck: with the drift check on and the length check off, a
// candidate answering half as long is rolled back by drift (evals/drift's
// permutation tests), and a healthy one is not.
func TestSimDriftCheck(t *testing.T) {
	cfg := simRollout("gpt")
	cfg.Checks.ResponseLength.Off = true
	cfg.Checks.Drift.On = true
	cfg.Steps = []float64{25, 100}
	short := healthy
	short.tokens /= 2
	for _, c := range []struct {
		name string
		p    profile
		want string
	}{{"half length", short, StateRolledBack}, {"healthy", healthy, StatePromoted}} {
		t.Run(c.name, func(t *testing.T) {
			s := newSim(t, cfg, 31, nil, 1)
			st := s.runUntil(20, func(int) profile { return c.p })
			if st.State != c.want {
				t.Fatalf("%s after %d intervals: %s", st.State, s.iv, st.Reason)
			}
			var drift *Check
			for i := range st.Last.Checks {
				if st.Last.Checks[i].Name == "drift" {
					drift = &st.Last.Checks[i]
				}
			}
			if drift == nil || drift.Verdict == VerdictSkipped {
				t.Fatalf("no drift check judged: %+v", st.Last.Checks)
			}
			t.Logf("%s: %s after %d intervals; drift %s %s", c.name, st.State, s.iv, drift.Verdict, drift.Detail)
		})
	}
}
