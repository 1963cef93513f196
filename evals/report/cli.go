package report

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/tollgate-ai/tollgate/evals/drift"
)

// CLI returns `tollgate evals report --out FILE.html --current SAMPLES
// [--baseline SAMPLES] [--bias FILE] [--seed S]` with the given text
// scorers. Exit 0 on success, 2 on bad input (unreadable files, no valid
// sample).
func CLI(scorers drift.TextScorers) func(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return func(args []string, _ io.Reader, stdout, stderr io.Writer) int {
		return runCLI(scorers, args, stdout, stderr)
	}
}

func runCLI(scorers drift.TextScorers, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("evals report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "the HTML file to write")
	cur := fs.String("current", "", "sample file (JSONL): the traffic to report on")
	base := fs.String("baseline", "", "baseline sample file (default: the first hour of --current)")
	bias := fs.String("bias", "", "the JSON output of `tollgate evals bias`, shown in the bias slot")
	seed := fs.Uint64("seed", drift.DefaultSeed, "seed of the drift tests")
	title := fs.String("title", "", "page title")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *out == "" || *cur == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: tollgate evals report --out FILE.html --current SAMPLES [--baseline SAMPLES] [--bias FILE] [--seed S]")
		return 2
	}
	ex, err := drift.NewExtractor(scorers)
	if err != nil {
		fmt.Fprintln(stderr, "evals report:", err)
		return 2
	}
	load := func(path string) ([]drift.Vector, bool) {
		vs, bad, err := drift.LoadFile(path, ex)
		if bad > 0 {
			fmt.Fprintf(stderr, "evals report: %s: %d malformed lines skipped\n", path, bad)
		}
		if err != nil {
			fmt.Fprintf(stderr, "evals report: %s: %v\n", path, err)
			return nil, false
		}
		return vs, true
	}
	in := Input{Title: *title, Skipped: ex.Skipped(), Options: drift.Options{Seed: *seed}, Now: time.Now()}
	var ok bool
	if in.Current, ok = load(*cur); !ok {
		return 2
	}
	if *base != "" {
		if in.Baseline, ok = load(*base); !ok {
			return 2
		}
	}
	if *bias != "" {
		if in.Bias, err = os.ReadFile(*bias); err != nil {
			fmt.Fprintln(stderr, "evals report:", err)
			return 2
		}
	}
	if err := os.WriteFile(*out, []byte(Build(in)), 0o644); err != nil {
		fmt.Fprintln(stderr, "evals report:", err)
		return 2
	}
	fmt.Fprintln(stdout, *out)
	return 0
}
