package rollouts

import (
	"math/rand/v2"
	"unicode"

	"github.com/tollgate-ai/tollgate/evals"
	"github.com/tollgate-ai/tollgate/evals/drift"
	"github.com/tollgate-ai/tollgate/evals/refusal"
	"github.com/tollgate-ai/tollgate/evals/sentiment"
)

// aggregate is one variant's observations over one interval on one
// replica, or merged over a window and every replica. Everything merges by
// addition except the drift reservoir, which merges by weighted sampling.
type aggregate struct {
	Requests int64 `json:"requests"`
	Errors   int64 `json:"errors"`
	// Answers are the scored answers with text (refusal rate, sentiment).
	Answers   int64   `json:"answers"`
	Refusals  int64   `json:"refusals"`
	Cost      moments `json:"cost"` // USD per request
	Sentiment moments `json:"sentiment"`
	Latency   sketch  `json:"latency_ms"`
	TTFT      sketch  `json:"ttft_ms"`
	TPS       sketch  `json:"tokens_per_second"`
	Length    sketch  `json:"length"` // output tokens, else words
	// Agreement of shadow pairs (candidate only): text similarity, or
	// whether both called the same tool.
	Agreement moments `json:"agreement"`
	// Drift holds a bounded uniform sample of answers' features, for the
	// drift check's permutation tests; Seen counts what it was drawn from.
	Drift     []drift.Vector `json:"drift,omitempty"`
	DriftSeen int64          `json:"drift_seen,omitempty"`
}

// driftReservoir bounds the drift sample per variant, per interval and
// per merged window.
const driftReservoir = 256

// isError: transport errors, timeouts, rate limits and server errors
// count against a variant; other 4xx are the client's doing.
func isError(status int) bool {
	return status == 0 || status == 408 || status == 429 || status >= 500
}

// maxScoredPerInterval bounds the answers whose text is scored (refusal,
// sentiment, drift) per variant per interval on one replica: scoring costs
// a few µs per answer, stable serves most of the traffic, and a few hundred
// answers already bound a rate within a few points. The first ones of an
// interval are scored: requests arrive in no particular order.
const maxScoredPerInterval = 512

func (a *aggregate) add(o *Observation, ex *drift.Extractor, rng *rand.Rand) {
	a.Requests++
	if isError(o.Status) {
		a.Errors++
		return
	}
	a.Latency.add(float64(o.Latency.Microseconds()) / 1000)
	if o.TTFT > 0 {
		a.TTFT.add(float64(o.TTFT.Microseconds()) / 1000)
	}
	if gen := o.Latency - o.TTFT; o.OutputTokens > 0 && gen > 0 {
		a.TPS.add(float64(o.OutputTokens) / gen.Seconds())
	}
	a.Cost.add(float64(o.CostMicros) / 1e6)
	switch {
	case o.OutputTokens > 0:
		a.Length.add(float64(o.OutputTokens))
	case o.Text != "":
		a.Length.add(float64(countWords(o.Text)))
	}
	if o.Text == "" || a.Answers >= maxScoredPerInterval {
		return
	}
	a.Answers++
	if refused, _ := refusal.Detect(o.Text); refused {
		a.Refusals++
	}
	a.Sentiment.add(sentiment.Score(o.Text))
	if ex != nil {
		a.DriftSeen++
		if len(a.Drift) < driftReservoir {
			a.Drift = append(a.Drift, driftVector(ex, o))
		} else if j := rng.Int64N(a.DriftSeen); j < driftReservoir {
			a.Drift[j] = driftVector(ex, o)
		}
	}
}

// countWords counts whitespace-separated words without allocating.
func countWords(s string) int {
	n, in := 0, false
	for _, r := range s {
		sp := unicode.IsSpace(r)
		if !sp && !in {
			n++
		}
		in = !sp
	}
	return n
}

// driftVector is an answer's drift features without its text (the
// rollout's drift check compares numbers and categories only, and the
// text must not be written to Redis).
func driftVector(ex *drift.Extractor, o *Observation) drift.Vector {
	s := evalsSample(o)
	v := ex.Extract(&s)
	v.Text = [len(v.Text)]string{}
	return v
}

func (a *aggregate) merge(o *aggregate, rng *rand.Rand) {
	a.Requests += o.Requests
	a.Errors += o.Errors
	a.Answers += o.Answers
	a.Refusals += o.Refusals
	a.Cost.merge(o.Cost)
	a.Sentiment.merge(o.Sentiment)
	a.Latency.merge(&o.Latency)
	a.TTFT.merge(&o.TTFT)
	a.TPS.merge(&o.TPS)
	a.Length.merge(&o.Length)
	a.Agreement.merge(o.Agreement)
	a.Drift, a.DriftSeen = mergeReservoirs(a.Drift, a.DriftSeen, o.Drift, o.DriftSeen, rng)
}

// mergeReservoirs draws a uniform sample of the union of two uniform
// samples without replacement: each kept vector stands for seen/len of its
// side, and a slot comes from a side in proportion to the originals its
// remaining vectors stand for.
func mergeReservoirs(a []drift.Vector, na int64, b []drift.Vector, nb int64, rng *rand.Rand) ([]drift.Vector, int64) {
	if len(a)+len(b) <= driftReservoir && int64(len(a)) == na && int64(len(b)) == nb {
		return append(append([]drift.Vector(nil), a...), b...), na + nb
	}
	a, b = append([]drift.Vector(nil), a...), append([]drift.Vector(nil), b...)
	var wa, wb float64
	if len(a) > 0 {
		wa = float64(na) / float64(len(a))
	}
	if len(b) > 0 {
		wb = float64(nb) / float64(len(b))
	}
	out := make([]drift.Vector, 0, driftReservoir)
	for len(out) < driftReservoir && len(a)+len(b) > 0 {
		ta, tb := float64(len(a))*wa, float64(len(b))*wb
		side := &b
		if rng.Float64()*(ta+tb) < ta {
			side = &a
		}
		s := *side
		i := rng.IntN(len(s))
		out = append(out, s[i])
		s[i] = s[len(s)-1]
		*side = s[:len(s)-1]
	}
	return out, na + nb
}

func evalsSample(o *Observation) evals.Sample {
	return evals.Sample{
		Response:     o.Text,
		OutputTokens: o.OutputTokens,
		LatencyMs:    float64(o.Latency.Microseconds()) / 1000,
		TTFTMs:       float64(o.TTFT.Microseconds()) / 1000,
		Status:       o.Status,
	}
}
