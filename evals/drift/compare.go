package drift

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sort"
)

// Options tune Compare. The zero value uses the defaults.
type Options struct {
	// Alpha is the false-alarm rate: the chance that two windows of one
	// source raise any drift at all (Holm keeps it over all rows).
	Alpha float64
	// Permutations of the window labels per feature; raised to what the
	// smallest Holm level needs (m/Alpha) when lower.
	Permutations int
	// Seed makes a comparison reproducible.
	Seed uint64
	// MinSamples is the fewest values of a feature each window must have.
	MinSamples int
	// NoText skips the domain classifiers (the cost of a comparison is
	// mostly theirs).
	NoText bool
}

// Defaults of Options.
const (
	DefaultAlpha        = 0.05
	DefaultPermutations = 999
	DefaultSeed         = 1
	DefaultMinSamples   = 20
)

func (o Options) withDefaults() Options {
	if o.Alpha <= 0 || o.Alpha >= 1 {
		o.Alpha = DefaultAlpha
	}
	if o.Permutations <= 0 {
		o.Permutations = DefaultPermutations
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.MinSamples <= 0 {
		o.MinSamples = DefaultMinSamples
	}
	return o
}

// Result is one feature and statistic. Threshold is the statistic's
// permutation critical value at the row's Holm level; Drift also needs
// Holm's step-down to reach the row.
type Result struct {
	Feature   string  `json:"feature"`
	Stat      string  `json:"stat"`
	Value     float64 `json:"value"`
	Threshold float64 `json:"threshold"`
	PValue    float64 `json:"p_value"`
	Drift     bool    `json:"drift"`
}

// Skipped is a feature that was not compared, and why.
type Skipped struct {
	Feature string `json:"feature"`
	Reason  string `json:"reason"`
}

// Report is the outcome of Compare.
type Report struct {
	Drift    bool      `json:"drift"`
	Features []Result  `json:"features"`
	Skipped  []Skipped `json:"skipped"`
}

// permutable is one feature of both windows that can compute its
// statistics and shuffle its window labels.
type permutable interface {
	stats(out []float64)
	shuffle(rng *rand.Rand)
}

type testCase struct {
	feature string
	stats   []string
	data    permutable
	rng     *rand.Rand
}

// Compare tests every feature of base against cur. Skipped lists features
// not compared (too few values in a window, or never computed: extra
// lists those, e.g. Extractor.Skipped).
func Compare(base, cur []Vector, extra []Skipped, o Options) Report {
	o = o.withDefaults()
	rep := Report{Features: []Result{}, Skipped: append([]Skipped{}, extra...)}
	skip := map[string]bool{}
	for _, s := range extra {
		skip[s.Feature] = true
	}
	var cases []testCase
	enough := func(name string, nb, nc int) bool {
		if skip[name] {
			return false
		}
		switch {
		case nb == 0 && nc == 0:
			rep.Skipped = append(rep.Skipped, Skipped{name, "no values"})
		case nb < o.MinSamples:
			rep.Skipped = append(rep.Skipped, Skipped{name, reasonFew("baseline", nb, o.MinSamples)})
		case nc < o.MinSamples:
			rep.Skipped = append(rep.Skipped, Skipped{name, reasonFew("current", nc, o.MinSamples)})
		default:
			return true
		}
		return false
	}
	for f := 0; f < numNumeric; f++ {
		b, c := numericColumn(base, f), numericColumn(cur, f)
		if enough(numericNames[f], len(b), len(c)) {
			cases = append(cases, testCase{feature: numericNames[f], stats: numericStatNames, data: newNumericSample(b, c)})
		}
	}
	for f := 0; f < numCategorical; f++ {
		b, c := categoricalColumn(base, f), categoricalColumn(cur, f)
		if enough(categoricalNames[f], len(b), len(c)) {
			cases = append(cases, testCase{feature: categoricalNames[f], stats: categoricalStatNames, data: newCategoricalSample(b, c)})
		}
	}
	for f := 0; f < numText; f++ {
		b, c := textColumn(base, f), textColumn(cur, f)
		if o.NoText {
			if len(b)+len(c) > 0 {
				rep.Skipped = append(rep.Skipped, Skipped{textNames[f], "text classifier off"})
			}
			continue
		}
		if enough(textNames[f], len(b), len(c)) {
			rng := featureRNG(o.Seed, textNames[f]+"/cv")
			cases = append(cases, testCase{feature: textNames[f], stats: []string{"classifier_auc"}, data: newAUCSample(newTextSample(b, c), rng)})
		}
	}
	m := 0
	for _, c := range cases {
		m += len(c.stats)
	}
	if m == 0 {
		return rep
	}
	perms := max(o.Permutations, int(math.Ceil(float64(m)/o.Alpha)))
	type row struct {
		Result
		null []float64
	}
	var rows []row
	for _, tc := range cases {
		obs := make([]float64, len(tc.stats))
		tc.data.stats(obs)
		nulls := make([][]float64, len(tc.stats))
		for i := range nulls {
			nulls[i] = make([]float64, perms)
		}
		rng := featureRNG(o.Seed, tc.feature)
		tmp := make([]float64, len(tc.stats))
		for p := 0; p < perms; p++ {
			tc.data.shuffle(rng)
			tc.data.stats(tmp)
			for i, v := range tmp {
				nulls[i][p] = v
			}
		}
		for i, st := range tc.stats {
			ge := 0
			for _, v := range nulls[i] {
				if v >= obs[i]-1e-12*math.Abs(obs[i]) {
					ge++
				}
			}
			rows = append(rows, row{Result{Feature: tc.feature, Stat: st, Value: obs[i],
				PValue: float64(ge+1) / float64(perms+1)}, nulls[i]})
		}
	}
	// Holm: sort by p; row r (0-based) is tested at Alpha/(m-r), and the
	// step-down stops at the first row that fails.
	order := make([]int, len(rows))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return rows[order[a]].PValue < rows[order[b]].PValue })
	stepping := true
	for r, i := range order {
		level := o.Alpha / float64(m-r)
		rows[i].Threshold = criticalValue(rows[i].null, level)
		if stepping && rows[i].PValue <= level {
			rows[i].Drift = true
			rep.Drift = true
		} else {
			stepping = false
		}
	}
	for _, r := range rows {
		r.Value, r.Threshold, r.PValue = round6(r.Value), round6(r.Threshold), round6(r.PValue)
		rep.Features = append(rep.Features, r.Result)
	}
	return rep
}

// criticalValue is the smallest statistic whose permutation p-value is at
// most level: p = (1+#{null ≥ v})/(P+1) ≤ level needs v above the
// (k+1)-th largest null value, k = floor(level·(P+1)) − 1.
func criticalValue(null []float64, level float64) float64 {
	s := append([]float64(nil), null...)
	sort.Sort(sort.Reverse(sort.Float64Slice(s)))
	k := int(math.Floor(level*float64(len(s)+1))) - 1
	if k < 0 {
		k = 0
	}
	return s[min(k, len(s)-1)]
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

func reasonFew(window string, n, want int) string {
	return fmt.Sprintf("%s: %d values, need %d", window, n, want)
}

func featureRNG(seed uint64, feature string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(feature))
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

func shuffleBools(rng *rand.Rand, b []bool) {
	for i := len(b) - 1; i > 0; i-- {
		j := rng.IntN(i + 1)
		b[i], b[j] = b[j], b[i]
	}
}

func numericColumn(vs []Vector, f int) []float64 {
	var out []float64
	for i := range vs {
		if vs[i].has(f) {
			out = append(out, vs[i].Num[f])
		}
	}
	return out
}

func categoricalColumn(vs []Vector, f int) []string {
	var out []string
	for i := range vs {
		if c := vs[i].Cat[f]; c != "" {
			out = append(out, c)
		}
	}
	return out
}

func textColumn(vs []Vector, f int) []string {
	var out []string
	for i := range vs {
		if t := vs[i].Text[f]; t != "" {
			out = append(out, t)
		}
	}
	return out
}
