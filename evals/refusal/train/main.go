// Command train rebuilds the refusal detector's model (evals/refusal/model.bin)
// from the XSTest completions in evals/refusal/testdata, byte for byte, and
// prints its quality on the held-out model's completions (GPT-4) and the reverse
// split (docs/evals.md, "Refusal detector"). Run from the repository root:
// `make train-refusal`.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tollgate-ai/tollgate/evals/refusal"
)

func main() {
	dir := flag.String("data", "evals/refusal/testdata", "directory with the XSTest completion CSVs")
	out := flag.String("out", "evals/refusal/model.bin", "model file to write")
	flag.Parse()
	load := func(name string) []refusal.Example {
		ex, err := refusal.ReadXSTest(filepath.Join(*dir, "xstest_v2_completions_"+name+".csv.gz"))
		if err != nil {
			fmt.Fprintln(os.Stderr, "train:", err)
			os.Exit(1)
		}
		return ex
	}
	gpt4, mistral := load("gpt4"), load("mistralinstruct")
	report := func(name string, m *refusal.Model, ex []refusal.Example) {
		q := refusal.Measure(m, ex, refusal.Threshold)
		fmt.Printf("%-34s n=%d pos=%d  precision %.3f  recall %.3f  (TP %d FP %d FN %d TN %d)\n",
			name, len(ex), q.TP+q.FN, q.Precision(), q.Recall(), q.TP, q.FP, q.FN, q.TN)
	}
	// The shipped model learns from Mistral-Instruct, whose refusals come in
	// many styles (lectures, redirects, partial answers), and is measured on
	// GPT-4's. The reverse split is printed too: GPT-4 refuses in one
	// formula, which teaches a model little about other models.
	cfg := refusal.DefaultTrainConfig
	shipped := refusal.Train(mistral, cfg)
	report("train mistral -> test gpt4 (shipped)", shipped, gpt4)
	report("train mistral -> mistral (fit)", shipped, mistral)
	reverse := refusal.Train(gpt4, cfg)
	report("train gpt4 -> test mistral (reverse)", reverse, mistral)
	b, _ := shipped.MarshalBinary()
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %s (%d bytes)\n", *out, len(b))
}
