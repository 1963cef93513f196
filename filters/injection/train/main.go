// Command train rebuilds the injection detector's shipped model from the
// corpus in filters/injection/testdata and prints its quality tables.
// The same corpus gives the same model.bin, byte for byte.
//
//	go run ./filters/injection/train                      # what make train runs
//	go run ./filters/injection/train -prepare ../shared/datasets/injection
//	                                                      # first rebuild the corpus from the shared datasets
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"runtime"
	"sort"
	"time"

	"github.com/tollgate-ai/tollgate/filters/injection"
	"github.com/tollgate-ai/tollgate/filters/injection/internal/corpus"
)

func main() {
	prepare := flag.String("prepare", "", "rebuild the corpus from this datasets/injection folder (plus GOROOT's sources and docs/) first")
	corpusPath := flag.String("corpus", "filters/injection/testdata/corpus.jsonl.gz", "corpus file")
	out := flag.String("out", "filters/injection/model.bin", "model file to write")
	maxFPR := flag.Float64("fpr", 0.015, "false-positive rate on validation negatives the threshold is chosen for")
	loso := flag.Bool("loso", true, "also run the leave-one-source-out folds")
	flag.Parse()
	log.SetFlags(0)

	if *prepare != "" {
		items, err := corpus.Prepare(*prepare, runtime.GOROOT(), ".")
		if err != nil {
			log.Fatal(err)
		}
		if err := corpus.Write(*corpusPath, items); err != nil {
			log.Fatal(err)
		}
		log.Printf("wrote %s: %d items", *corpusPath, len(items))
	}
	items, err := corpus.Read(*corpusPath)
	if err != nil {
		log.Fatal(err)
	}
	w := os.Stdout

	in := func(split string) func(corpus.Item) bool {
		return func(it corpus.Item) bool { return it.Split == split && it.Label >= 0 }
	}
	t0 := time.Now()
	m, thr := fit(corpus.Filter(items, in("train")), corpus.Filter(items, in("val")), *maxFPR)
	log.Printf("trained in %s", time.Since(t0).Round(time.Millisecond))
	b, _ := m.MarshalBinary()
	if old, err := os.ReadFile(*out); err == nil && bytes.Equal(old, b) {
		log.Printf("%s unchanged (%d bytes)", *out, len(b))
	} else if err := os.WriteFile(*out, b, 0o644); err != nil {
		log.Fatal(err)
	} else {
		log.Printf("wrote %s (%d bytes)", *out, len(b))
	}

	fmt.Fprintf(w, "Threshold for ≤ %.1f%% FPR on validation negatives: %.4f (injection.DefaultThreshold is %.2f", 100**maxFPR, thr, injection.DefaultThreshold)
	if math.Abs(thr-injection.DefaultThreshold) > 0.01 {
		fmt.Fprintf(w, ": UPDATE IT")
	}
	fmt.Fprintf(w, ")\n\n")
	test := func(it corpus.Item) bool { return it.Split == "test" }
	report(w, m, injection.DefaultThreshold, corpus.Filter(items, test))
	fmt.Fprintln(w)
	operatingPoints(w, m, corpus.Filter(items, test))
	fmt.Fprintln(w)
	calibration(w, m, corpus.Filter(items, func(it corpus.Item) bool { return it.Split == "test" && it.Label >= 0 }))
	if *loso {
		fmt.Fprintln(w)
		leaveOneSourceOut(w, items, *maxFPR)
	}
}

// fit trains on train, calibrates on val and picks the threshold for
// maxFPR on val's negatives.
func fit(train, val []corpus.Item, maxFPR float64) (*injection.Model, float64) {
	m, err := injection.Train(examples(train), examples(val), injection.DefaultTrainConfig)
	if err != nil {
		log.Fatal(err)
	}
	var neg []float64
	for _, it := range val {
		if it.Label == 0 {
			neg = append(neg, m.Score([]byte(it.Text)))
		}
	}
	return m, corpus.ThresholdForFPR(neg, maxFPR)
}

// examples turns items into training examples weighted by source.
func examples(items []corpus.Item) []injection.Example {
	out := make([]injection.Example, 0, len(items))
	src := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, injection.Example{Text: it.Text, Label: it.Label == 1})
		src = append(src, it.Source)
	}
	injection.WeightBySource(out, src)
	return out
}

func score(m *injection.Model) func(string) float64 {
	return func(s string) float64 { return m.Score([]byte(s)) }
}

// report prints recall per positive source, FPR per negative source and
// the evasion table on the test split.
func report(w io.Writer, m *injection.Model, thr float64, test []corpus.Item) {
	pos := corpus.Filter(test, func(it corpus.Item) bool { return it.Label == 1 })
	neg := corpus.Filter(test, func(it corpus.Item) bool { return it.Label == 0 })
	harm := corpus.Filter(test, func(it corpus.Item) bool { return it.Label == -1 })
	fmt.Fprintf(w, "Held-out test split at threshold %.4f\n\n| source | kind | rate |\n| --- | --- | --- |\n", thr)
	rp := corpus.Flagged(pos, score(m), thr)
	for _, s := range corpus.SortedSources(rp) {
		fmt.Fprintf(w, "| %s | recall | %s |\n", s, rp[s])
	}
	fmt.Fprintf(w, "| **all positives** | recall | %s |\n", corpus.Total(rp))
	rn := corpus.Flagged(neg, score(m), thr)
	for _, s := range corpus.SortedSources(rn) {
		fmt.Fprintf(w, "| %s | FPR | %s |\n", s, rn[s])
	}
	fmt.Fprintf(w, "| **all negatives** | FPR | %s |\n", corpus.Total(rn))
	rh := corpus.Flagged(harm, score(m), thr)
	for _, s := range corpus.SortedSources(rh) {
		fmt.Fprintf(w, "| %s (harmful, not injection; not a goal) | flagged | %s |\n", s, rh[s])
	}

	fmt.Fprintf(w, "\nEvasions on the test positives (recall)\n\n| transform | raw text | after a simple fold |\n| --- | --- | --- |\n")
	for _, ev := range corpus.Evasions {
		raw := corpus.Total(corpus.Flagged(pos, func(s string) float64 { return m.Score([]byte(ev.Apply(s))) }, thr))
		folded := corpus.Total(corpus.Flagged(pos, func(s string) float64 { return m.Score([]byte(corpus.Fold(ev.Apply(s)))) }, thr))
		fmt.Fprintf(w, "| %s | %.3f | %.3f |\n", ev.Name, raw.Value(), folded.Value())
	}
}

// operatingPoints prints recall, FPR and precision on the test split at a
// few thresholds a policy might use.
func operatingPoints(w io.Writer, m *injection.Model, test []corpus.Item) {
	fmt.Fprintf(w, "Operating points on the test split\n\n| threshold | recall | FPR | precision |\n| --- | --- | --- | --- |\n")
	for _, thr := range []float64{0.3, injection.DefaultThreshold, 0.5, 0.7, 0.8, 0.9} {
		r := corpus.Total(corpus.Flagged(corpus.Filter(test, func(it corpus.Item) bool { return it.Label == 1 }), score(m), thr))
		f := corpus.Total(corpus.Flagged(corpus.Filter(test, func(it corpus.Item) bool { return it.Label == 0 }), score(m), thr))
		fmt.Fprintf(w, "| %.2f | %.3f | %.3f | %.3f |\n", thr, r.Value(), f.Value(), float64(r.K)/float64(r.K+f.K))
	}
}

// calibration prints a reliability table: predicted against observed rate.
func calibration(w io.Writer, m *injection.Model, items []corpus.Item) {
	type bin struct{ n, pos, sum float64 }
	var bins [5]bin
	for _, it := range items {
		p := m.Score([]byte(it.Text))
		k := min(int(p*5), 4)
		bins[k].n++
		bins[k].sum += p
		if it.Label == 1 {
			bins[k].pos++
		}
	}
	fmt.Fprintf(w, "Reliability on the test split\n\n| score bin | items | mean score | observed injection rate |\n| --- | --- | --- | --- |\n")
	for k, b := range bins {
		if b.n == 0 {
			continue
		}
		fmt.Fprintf(w, "| %.1f–%.1f | %.0f | %.3f | %.3f |\n", float64(k)/5, float64(k+1)/5, b.n, b.sum/b.n, b.pos/b.n)
	}
}

// leaveOneSourceOut trains without one positive source (all its splits),
// then measures recall on all of it and FPR on the test negatives.
func leaveOneSourceOut(w io.Writer, items []corpus.Item, maxFPR float64) {
	fmt.Fprintf(w, "Leave one positive source out\n\n| held-out source | items | threshold | recall | FPR on test negatives |\n| --- | --- | --- | --- | --- |\n")
	sources := append([]string(nil), corpus.Sources...)
	sort.Strings(sources)
	for _, held := range sources {
		keep := func(split string) func(corpus.Item) bool {
			return func(it corpus.Item) bool { return it.Split == split && it.Label >= 0 && it.Source != held }
		}
		m, thr := fit(corpus.Filter(items, keep("train")), corpus.Filter(items, keep("val")), maxFPR)
		pos := corpus.Filter(items, func(it corpus.Item) bool { return it.Source == held })
		neg := corpus.Filter(items, func(it corpus.Item) bool { return it.Split == "test" && it.Label == 0 })
		r := corpus.Total(corpus.Flagged(pos, score(m), thr))
		f := corpus.Total(corpus.Flagged(neg, score(m), thr))
		fmt.Fprintf(w, "| %s | %d | %.3f | %s | %s |\n", held, len(pos), thr, r, f)
	}
}
