package filters

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// Each numeric detector finds the same with the runs the cluster gate
// lets through as with every run: on the Presidio texts, the generated
// positives and near misses, GSM8K, and random digit soup dense in the
// separators (including the widest phone gap, ")- (").
func TestGatedRunsFindTheSame(t *testing.T) {
	var texts []string
	for _, r := range loadPresidio(t) {
		texts = append(texts, r.Text)
	}
	for _, seed := range []uint64{1, 2, 3} {
		for _, c := range genCases(seed) {
			texts = append(texts, c.text)
		}
	}
	texts = append(texts, benignTexts(t)...)
	texts = append(texts, "+1- (212) 555-0100", "call +41 (0)96 471 07 95", "(212)- (555) 0100", "4111 1111 1111 1111",
		"ssn 078-05-1120", "10.0.0.1", "1.2.3.4", "SSN: 123456789")
	rng := rand.New(rand.NewPCG(7, 8))
	pieces := []string{"1", "12", "123", "4111", "0", "07", " ", "-", ".", "(", ")", "- ", ")- (", "+", "x12", " ext. 5", "a", ":", "/",
		"phone ", "ssn ", "$", "=", "  ", "1234567"}
	for range 3000 {
		var sb strings.Builder
		for range rng.IntN(24) {
			sb.WriteString(pieces[rng.IntN(len(pieces))])
		}
		texts = append(texts, sb.String())
	}
	dets := []runDetector{phoneDetector{}, cardDetector{}, ssnDetector{}, ipDetector{}, ibanDetector{}}
	gatedSome := 0
	for _, text := range texts {
		b := []byte(text)
		runs := digitRuns(b, nil)
		clusters := clusterDigits(b, runs, nil)
		for _, d := range dets {
			gated := gateRuns(runs, clusters, d.minDigits(), nil)
			if len(gated) < len(runs) {
				gatedSome++
			}
			all := d.detectRuns(b, runs, nil)
			if got := d.detectRuns(b, gated, nil); !slices.Equal(got, all) {
				t.Fatalf("%T on %q: gated %+v, all runs %+v", d, text, got, all)
			}
		}
	}
	if gatedSome == 0 {
		t.Fatal("the gate never dropped a run: the test shows nothing")
	}
}
