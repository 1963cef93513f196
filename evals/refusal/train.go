package refusal

import (
	"math"
	"math/rand/v2"
)

// Training is offline (evals/refusal/train) and deterministic: a fixed
// seed, one goroutine, examples in the caller's order, so the same data
// gives the same model file byte for byte.

// Example is one labelled response.
type Example struct {
	Text    string
	Refusal bool
}

// TrainConfig holds the hyperparameters; DefaultTrainConfig is what
// `make train-refusal` uses.
type TrainConfig struct {
	Bits   uint
	Epochs int
	Rate   float64 // Adagrad learning rate
	L2     float64 // on the hashed weights
	L2Heur float64 // pulls the heuristic weights towards heuristicPrior
	Seed   uint64
}

// DefaultTrainConfig: 2^12 hashed weights (16 KiB shipped) are plenty for
// a few hundred answers; strong L2 keeps the n-grams from memorising one
// model's phrasing, so the heuristics carry to other models.
var DefaultTrainConfig = TrainConfig{Bits: 12, Epochs: 30, Rate: 0.1, L2: 1e-3, L2Heur: 1e-2, Seed: 14}

// Train fits a model on examples, balancing the classes by weight.
func Train(examples []Example, cfg TrainConfig) *Model {
	m := &Model{bits: cfg.Bits, w: make([]float32, 1<<cfg.Bits), bias: biasPrior, heur: heuristicPrior}
	type item struct {
		f features
		y float64
		c float64 // class weight
	}
	pos := 0
	for _, e := range examples {
		if e.Refusal {
			pos++
		}
	}
	items := make([]item, len(examples))
	var norm []byte
	for i, e := range examples {
		norm = extract(e.Text, cfg.Bits, norm, &items[i].f)
		items[i].f.idx = append([]uint32(nil), items[i].f.idx...)
		items[i].y, items[i].c = 0, float64(len(examples))/(2*float64(len(examples)-pos))
		if e.Refusal {
			items[i].y, items[i].c = 1, float64(len(examples))/(2*float64(pos))
		}
	}
	w := make([]float64, len(m.w))
	gw := make([]float64, len(w))
	var gh [numHeuristics]float64
	var gb float64
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x7e5))
	order := rng.Perm(len(items))
	for ep := 0; ep < cfg.Epochs; ep++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, k := range order {
			it := &items[k]
			z := m.bias
			for i, v := range it.f.heur {
				z += m.heur[i] * v
			}
			scale := 0.0
			if n := len(it.f.idx); n > 0 {
				scale = 1 / math.Sqrt(float64(n))
				for _, i := range it.f.idx {
					z += w[i] * scale
				}
			}
			g := (1/(1+math.Exp(-z)) - it.y) * it.c
			gb += g * g
			m.bias -= cfg.Rate * g / math.Sqrt(gb+1e-8)
			for i, v := range it.f.heur {
				gi := g*v + cfg.L2Heur*(m.heur[i]-heuristicPrior[i])
				gh[i] += gi * gi
				m.heur[i] -= cfg.Rate * gi / math.Sqrt(gh[i]+1e-8)
			}
			for _, i := range it.f.idx {
				gi := g*scale + cfg.L2*w[i]
				gw[i] += gi * gi
				w[i] -= cfg.Rate * gi / math.Sqrt(gw[i]+1e-8)
			}
		}
	}
	for i, v := range w {
		m.w[i] = float32(v)
	}
	return m
}

// Quality is a confusion matrix at a threshold.
type Quality struct {
	TP, FP, TN, FN int
}

// Measure scores examples with m at threshold t.
func Measure(m *Model, examples []Example, t float64) Quality {
	var q Quality
	for _, e := range examples {
		got := m.Score(e.Text) >= t
		switch {
		case got && e.Refusal:
			q.TP++
		case got:
			q.FP++
		case e.Refusal:
			q.FN++
		default:
			q.TN++
		}
	}
	return q
}

// Precision is TP/(TP+FP), 0 when nothing was flagged.
func (q Quality) Precision() float64 {
	if q.TP+q.FP == 0 {
		return 0
	}
	return float64(q.TP) / float64(q.TP+q.FP)
}

// Recall is TP/(TP+FN), 0 when there are no positives.
func (q Quality) Recall() float64 {
	if q.TP+q.FN == 0 {
		return 0
	}
	return float64(q.TP) / float64(q.TP+q.FN)
}
