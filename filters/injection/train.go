package injection

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
)

// Training is offline (filters/injection/train) and deterministic: fixed
// seeds, one goroutine, examples in the caller's order, so the same data
// gives the same model file byte for byte.

// Example is one labelled training text.
type Example struct {
	Text   string
	Label  bool    // true: injection or jailbreak
	Weight float64 // relative weight; 0 means 1
}

// TrainConfig holds the training hyperparameters; zero fields take the
// defaults of DefaultTrainConfig.
type TrainConfig struct {
	Bits     uint    // hashed table of 2^Bits weights
	Window   int     // folded bytes per window
	Stride   int     // folded bytes between windows; a power of two dividing Window
	Alpha    float64 // length normaliser exponent
	Epochs   int
	MILAfter int     // from this epoch on, a positive trains only its best window
	Rate     float64 // Adagrad learning rate
	L2       float64
	Seed     uint64
}

// DefaultTrainConfig is what make train uses.
var DefaultTrainConfig = TrainConfig{
	Bits: 16, Window: 512, Stride: 256, Alpha: 0.5,
	Epochs: 12, MILAfter: 3, Rate: 0.2, L2: 1e-6, Seed: 12,
}

// sparseWindow is one window's feature vector.
type sparseWindow struct {
	idx  []uint32
	val  []float64
	mask uint64
}

type trainItem struct {
	wins   []sparseWindow
	y      float64
	weight float64
}

// Train fits a model on train, calibrates it on calib (Platt scaling of
// the quantised model's window-max score) and returns it.
func Train(train, calib []Example, cfg TrainConfig) (*Model, error) {
	cfg = cfg.withDefaults()
	if cfg.Stride&(cfg.Stride-1) != 0 || cfg.Window%cfg.Stride != 0 {
		return nil, errors.New("injection: stride must be a power of two dividing window")
	}
	items, err := featurise(train, cfg)
	if err != nil {
		return nil, err
	}
	size := 1 << cfg.Bits
	nh := len(heuristics)
	// Parameters: hashed weights, then heuristics, then the bias.
	w := make([]float64, size+nh+1)
	acc := make([]float64, len(w))
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x1e2f))
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	z := func(sw *sparseWindow) float64 {
		v := w[size+nh]
		for j, f := range sw.idx {
			v += w[f] * sw.val[j]
		}
		for m := sw.mask; m != 0; m &= m - 1 {
			v += w[size+trailing(m)]
		}
		return v
	}
	step := func(sw *sparseWindow, y, weight float64) {
		g := (sigmoid(z(sw)) - y) * weight
		upd := func(f int, x float64) {
			gf := g*x + cfg.L2*w[f]
			acc[f] += gf * gf
			w[f] -= cfg.Rate * gf / math.Sqrt(acc[f]+1e-8)
		}
		for j, f := range sw.idx {
			upd(int(f), sw.val[j])
		}
		for m := sw.mask; m != 0; m &= m - 1 {
			upd(size+trailing(m), 1)
		}
		upd(size+nh, 1)
	}
	for epoch := 0; epoch < cfg.Epochs; epoch++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			it := &items[i]
			if it.y == 1 && epoch >= cfg.MILAfter && len(it.wins) > 1 {
				// Multiple-instance step: the text is an attack if its best
				// window is; train that window, not the benign ones around it.
				best, bz := 0, math.Inf(-1)
				for k := range it.wins {
					if v := z(&it.wins[k]); v > bz {
						best, bz = k, v
					}
				}
				step(&it.wins[best], 1, it.weight)
				continue
			}
			per := it.weight / float64(len(it.wins))
			if it.y == 0 {
				per = it.weight / math.Sqrt(float64(len(it.wins)))
			}
			for k := range it.wins {
				step(&it.wins[k], it.y, per)
			}
		}
	}
	m := quantise(w, cfg)
	m.plattA, m.plattB = 1, 0
	if len(calib) > 0 {
		zs := make([]float64, len(calib))
		ys := make([]bool, len(calib))
		for i, ex := range calib {
			zs[i], ys[i] = m.rawScore([]byte(ex.Text)), ex.Label
		}
		m.plattA, m.plattB = platt(zs, ys)
	}
	return m, nil
}

func (c TrainConfig) withDefaults() TrainConfig {
	d := DefaultTrainConfig
	if c.Bits == 0 {
		c.Bits = d.Bits
	}
	if c.Window == 0 {
		c.Window = d.Window
	}
	if c.Stride == 0 {
		c.Stride = d.Stride
	}
	if c.Alpha == 0 {
		c.Alpha = d.Alpha
	}
	if c.Epochs == 0 {
		c.Epochs = d.Epochs
	}
	if c.MILAfter == 0 {
		c.MILAfter = d.MILAfter
	}
	if c.Rate == 0 {
		c.Rate = d.Rate
	}
	if c.L2 == 0 {
		c.L2 = d.L2
	}
	if c.Seed == 0 {
		c.Seed = d.Seed
	}
	return c
}

func trailing(m uint64) int {
	n := 0
	for m&1 == 0 {
		m >>= 1
		n++
	}
	return n
}

// featurise turns examples into window vectors with the serving code:
// the same fold, events, hits and window boundaries as maxWindow.
func featurise(exs []Example, cfg TrainConfig) ([]trainItem, error) {
	items := make([]trainItem, 0, len(exs))
	var s scratch
	var idx []uint32
	for _, ex := range exs {
		s.analyse([]byte(ex.Text), cfg.Bits, cfg.Stride)
		it := trainItem{weight: ex.Weight}
		if it.weight == 0 {
			it.weight = 1
		}
		if ex.Label {
			it.y = 1
		}
		eachWindow(len(s.buf), cfg.Window, cfg.Stride, func(ws, we int) {
			var sw sparseWindow
			idx = idx[:0]
			for _, e := range s.ev {
				if int(e.pos) >= ws && int(e.pos) < we {
					idx = append(idx, e.idx)
				}
			}
			for _, h := range s.hits {
				if int(h.pos) >= ws && int(h.pos) < we {
					sw.mask |= 1 << h.feature
				}
			}
			slices.Sort(idx)
			norm := 1.0
			if len(idx) > 0 {
				norm = lengthNorm(len(idx), cfg.Alpha)
			}
			for i := 0; i < len(idx); {
				j := i
				for j < len(idx) && idx[j] == idx[i] {
					j++
				}
				sw.idx = append(sw.idx, idx[i])
				sw.val = append(sw.val, float64(j-i)/norm)
				i = j
			}
			it.wins = append(it.wins, sw)
		})
		items = append(items, it)
	}
	return items, nil
}

// eachWindow calls f with the folded span of each window maxWindow scores.
func eachWindow(n, window, stride int, f func(start, end int)) {
	nb := max((n+stride-1)/stride, 1)
	k := window / stride
	if nb <= k {
		f(0, n)
		return
	}
	for b := 0; b+k <= nb; b++ {
		f(b*stride, min((b+k)*stride, n))
	}
}

// quantise stores the hashed weights as int8 with one scale: the model
// file stays 2^Bits bytes and the table stays in cache.
func quantise(w []float64, cfg TrainConfig) *Model {
	size := 1 << cfg.Bits
	nh := len(heuristics)
	peak := 0.0
	for _, v := range w[:size] {
		peak = max(peak, math.Abs(v))
	}
	scale := peak / 127
	if scale == 0 {
		scale = 1
	}
	m := &Model{
		bits: cfg.Bits, window: cfg.Window, stride: cfg.Stride, alpha: cfg.Alpha,
		scale: scale, bias: w[size+nh], heur: slices.Clone(w[size : size+nh]),
		w: make([]int8, size),
	}
	for i, v := range w[:size] {
		m.w[i] = int8(math.Round(v / scale))
	}
	return m
}

// rawScore is the uncalibrated window-max score.
func (m *Model) rawScore(text []byte) float64 {
	s := m.get()
	s.fold(text, m.stride)
	z, _, _ := m.maxWindow(s)
	m.put(s)
	return z
}

// platt fits p = sigmoid(a*z + b) by Newton's method with step halving
// (Lin, Lin and Weng's variant of Platt scaling) on the log loss, with
// Platt's smoothed targets so a separable calibration set stays finite.
func platt(zs []float64, ys []bool) (a, b float64) {
	var np, nn float64
	for _, y := range ys {
		if y {
			np++
		} else {
			nn++
		}
	}
	hi, lo := (np+1)/(np+2), 1/(nn+2)
	target := func(i int) float64 {
		if ys[i] {
			return hi
		}
		return lo
	}
	loss := func(a, b float64) float64 {
		l := 0.0
		for i, z := range zs {
			f := a*z + b
			// log(1+exp(f)) - t*f, computed stably
			if f > 0 {
				l += f + math.Log1p(math.Exp(-f)) - target(i)*f
			} else {
				l += math.Log1p(math.Exp(f)) - target(i)*f
			}
		}
		return l
	}
	a, b = 1, 0
	cur := loss(a, b)
	for iter := 0; iter < 100; iter++ {
		var gA, gB, hAA, hAB, hBB float64
		for i, z := range zs {
			p := sigmoid(a*z + b)
			d := p - target(i)
			v := p * (1 - p)
			gA += d * z
			gB += d
			hAA += v * z * z
			hAB += v * z
			hBB += v
		}
		hAA += 1e-12
		hBB += 1e-12
		det := hAA*hBB - hAB*hAB
		if det <= 0 || math.Abs(gA) < 1e-9 && math.Abs(gB) < 1e-9 {
			break
		}
		da := (hBB*gA - hAB*gB) / det
		db := (hAA*gB - hAB*gA) / det
		step := 1.0
		for ; step > 1e-10; step /= 2 {
			if l := loss(a-step*da, b-step*db); l < cur {
				a, b, cur = a-step*da, b-step*db, l
				break
			}
		}
		if step <= 1e-10 {
			break
		}
	}
	return a, b
}

// WeightBySource sets each example's weight to 1/sqrt(the size of its
// source), so a big source does not drown a small one, then scales the
// two classes to equal total weight. source[i] names ex[i]'s source.
func WeightBySource(ex []Example, source []string) {
	per := map[string]float64{}
	for _, s := range source {
		per[s]++
	}
	var sum [2]float64
	cls := func(e Example) int {
		if e.Label {
			return 1
		}
		return 0
	}
	for i, e := range ex {
		sum[cls(e)] += 1 / math.Sqrt(per[source[i]])
	}
	for i := range ex {
		ex[i].Weight = 1 / math.Sqrt(per[source[i]]) * float64(len(ex)) / (2 * sum[cls(ex[i])])
	}
}
