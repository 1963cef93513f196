package drift

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
)

// CLI returns `tollgate evals drift --baseline A --current B [--seed S]`
// with the given text scorers (nil funcs skip their features): it prints
// one Report as JSON and exits 0 whether or not there is drift, 2 when a
// file is unreadable or has no valid line.
func CLI(scorers TextScorers) func(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return func(args []string, _ io.Reader, stdout, stderr io.Writer) int {
		return runCLI(scorers, args, stdout, stderr)
	}
}

func runCLI(scorers TextScorers, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("evals drift", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("baseline", "", "baseline sample file (JSONL)")
	cur := fs.String("current", "", "current sample file (JSONL)")
	seed := fs.Uint64("seed", DefaultSeed, "seed of the permutations and folds (a run is reproducible)")
	alpha := fs.Float64("alpha", DefaultAlpha, "false-alarm rate over all features")
	perms := fs.Int("permutations", DefaultPermutations, "label permutations per feature")
	minN := fs.Int("min-samples", DefaultMinSamples, "fewest values per window for a feature to be compared")
	noText := fs.Bool("no-text", false, "skip the text domain classifiers")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *base == "" || *cur == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: tollgate evals drift --baseline FILE --current FILE [--seed S] [--alpha A] [--permutations N] [--min-samples N] [--no-text]")
		return 2
	}
	if *alpha <= 0 || *alpha >= 1 || *perms < 1 || *minN < 2 {
		fmt.Fprintln(stderr, "evals drift: --alpha must be in (0,1), --permutations ≥ 1, --min-samples ≥ 2")
		return 2
	}
	var recs [2][]record
	for i, path := range []string{*base, *cur} {
		r, bad, err := readSampleFile(path)
		if bad > 0 {
			fmt.Fprintf(stderr, "evals drift: %s: %d malformed lines skipped\n", path, bad)
		}
		if err != nil {
			fmt.Fprintf(stderr, "evals drift: %s: %v\n", path, err)
			return 2
		}
		recs[i] = r
	}
	ex, err := NewExtractor(scorers)
	if err != nil {
		fmt.Fprintln(stderr, "evals drift:", err)
		return 2
	}
	rep := Compare(vectors(ex, recs[0]), vectors(ex, recs[1]), ex.Skipped(),
		Options{Alpha: *alpha, Permutations: *perms, Seed: *seed, MinSamples: *minN, NoText: *noText})
	enc := json.NewEncoder(stdout)
	if err := enc.Encode(rep); err != nil {
		fmt.Fprintln(stderr, "evals drift:", err)
		return 2
	}
	return 0
}
