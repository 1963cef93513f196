package drift

import (
	"bytes"
	"compress/gzip"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/tollgate-ai/tollgate/evals"
)

// The calibration data: GSM8K questions with their worked answers (the
// "math assistant" source), in-the-wild jailbreak prompts (the shift),
// and planted changes built from them. See NOTICE and testdata/LICENSE.*.

// testRefusal is a stand-in for the refusal detector (ev-bias builds the
// real one): refusals here are the canned texts below.
func testRefusal(s string) float64 {
	if strings.HasPrefix(s, "I'm sorry") || strings.HasPrefix(s, "I can't") || strings.HasPrefix(s, "As an AI") {
		return 0.95
	}
	return 0.05
}

var refusalTexts = []string{
	"I'm sorry, but I can't help with that request.",
	"I can't assist with that. If you have another question, I'm happy to help.",
	"As an AI language model, I cannot provide that information.",
	"I'm sorry, I am not able to answer this question.",
}

type pools struct {
	math, mathShort, mathRefused []Vector // prompt + response
	mathPrompt, jailbreak        []Vector // prompt only
}

var (
	poolsOnce sync.Once
	thePools  pools
)

func loadPools(t testing.TB) *pools {
	poolsOnce.Do(func() {
		ex, err := NewExtractor(TextScorers{Refusal: testRefusal})
		if err != nil {
			t.Fatal(err)
		}
		gsm := readGz(t, "testdata/gsm8k.jsonl.gz")
		jb := readGz(t, "testdata/jailbreak.jsonl.gz")
		p := &thePools
		for i, r := range gsm {
			s := r.Sample
			p.math = append(p.math, ex.Extract(&s))
			short := s
			short.Response, _, _ = strings.Cut(s.Response, "\n")
			p.mathShort = append(p.mathShort, ex.Extract(&short))
			ref := s
			ref.Response = refusalTexts[i%len(refusalTexts)]
			p.mathRefused = append(p.mathRefused, ex.Extract(&ref))
			po := evals.Sample{Prompt: s.Prompt}
			p.mathPrompt = append(p.mathPrompt, ex.Extract(&po))
		}
		for _, r := range jb {
			s := r.Sample
			p.jailbreak = append(p.jailbreak, ex.Extract(&s))
		}
	})
	if len(thePools.math) == 0 {
		t.Fatal("no calibration data")
	}
	return &thePools
}

func readGz(t testing.TB, path string) []record {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	recs, bad, err := readSamples(bytes.NewReader(b))
	if err != nil || bad > 0 {
		t.Fatalf("%s: %d bad lines, %v", path, bad, err)
	}
	return recs
}

// scenario draws a baseline and a current window of n samples each.
type scenario struct {
	name string
	draw func(p *pools, rng *rand.Rand, n int) (base, cur []Vector)
}

// gatewayish adds what a gateway sample carries besides text: a lognormal
// latency and a finish reason (5 % "length").
func gatewayish(v Vector, rng *rand.Rand) Vector {
	v.setNum(fLatency, math.Exp(6+0.4*rng.NormFloat64()))
	v.Cat[cFinishReason] = "stop"
	if rng.Float64() < 0.05 {
		v.Cat[cFinishReason] = "length"
	}
	return v
}

// mix draws n vectors: from alt with probability q, else from main.
func mix(rng *rand.Rand, n int, main, alt []Vector, q float64, gw bool) []Vector {
	out := make([]Vector, n)
	for i := range out {
		src := main
		if rng.Float64() < q {
			src = alt
		}
		out[i] = src[rng.IntN(len(src))]
		if gw {
			out[i] = gatewayish(out[i], rng)
		}
	}
	return out
}

const baseRefusalRate = 0.02

var scenarios = []scenario{
	{"null (same source)", func(p *pools, rng *rand.Rand, n int) ([]Vector, []Vector) {
		return mix(rng, n, p.math, p.mathRefused, baseRefusalRate, true), mix(rng, n, p.math, p.mathRefused, baseRefusalRate, true)
	}},
	{"math → jailbreak prompts", func(p *pools, rng *rand.Rand, n int) ([]Vector, []Vector) {
		return mix(rng, n, p.mathPrompt, nil, 0, false), mix(rng, n, p.jailbreak, nil, 0, false)
	}},
	{"10 % jailbreak prompts mixed in", func(p *pools, rng *rand.Rand, n int) ([]Vector, []Vector) {
		return mix(rng, n, p.mathPrompt, nil, 0, false), mix(rng, n, p.mathPrompt, p.jailbreak, 0.10, false)
	}},
	{"30 % of answers cut to one line", func(p *pools, rng *rand.Rand, n int) ([]Vector, []Vector) {
		return mix(rng, n, p.math, p.mathRefused, baseRefusalRate, true), mix(rng, n, p.math, p.mathShort, 0.30, true)
	}},
	{"refusals 2 % → 10 %", func(p *pools, rng *rand.Rand, n int) ([]Vector, []Vector) {
		return mix(rng, n, p.math, p.mathRefused, baseRefusalRate, true), mix(rng, n, p.math, p.mathRefused, 0.10, true)
	}},
}

// alarmRate runs trials comparisons of scenario s at window n and returns
// the fraction that raised drift.
// Trials are seeded by (n, first+i): CI tests use other seeds than the
// calibration run, so their windows are fresh draws.
func alarmRate(t testing.TB, s scenario, n, first, trials int, o Options) float64 {
	p := loadPools(t)
	alarms := 0
	for i := first; i < first+trials; i++ {
		rng := rand.New(rand.NewPCG(uint64(n), uint64(i)))
		base, cur := s.draw(p, rng, n)
		o.Seed = uint64(i + 1)
		if Compare(base, cur, nil, o).Drift {
			alarms++
		}
	}
	return float64(alarms) / float64(trials)
}
