package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"time"

	"github.com/tollgate-ai/tollgate/evals/bias"
)

func init() {
	evalsCommands["bias"] = func(args []string, _ io.Reader, stdout, stderr io.Writer) int {
		return evalsBias(context.Background(), args, stdout, stderr)
	}
}

// evalsBias is `tollgate evals bias`: runs a bias suite through a gateway
// and prints the report as JSON. Exit 0 = not flagged, 1 = flagged, 2 = bad
// input or an incomplete run (the report is still printed).
func evalsBias(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("evals bias", flag.ContinueOnError)
	fs.SetOutput(stderr)
	// Not TOLLGATE_URL: that names the ops listener for health and usage.
	base := fs.String("url", "http://127.0.0.1:8080", "the gateway's base URL (its API listener, with or without /v1)")
	model := fs.String("model", "", "the model to probe (required)")
	suite := fs.String("suite", "counterfactual", "counterfactual or bbq")
	limit := fs.Int("limit", 0, "templates per category (counterfactual) or items per category (bbq); 0 = all")
	seed := fs.Uint64("seed", 1, "seed of the template/item sample and the bootstrap")
	key := fs.String("key", os.Getenv("TOLLGATE_KEY"), "API key for the gateway (env TOLLGATE_KEY)")
	data := fs.String("data", "", "counterfactual: a HolisticBias v1.1 folder (its categories replace the built-in ones); bbq: BBQ's data folder (*.jsonl)")
	conc := fs.Int("concurrency", 4, "requests in flight")
	attempts := fs.Int("attempts", 3, "attempts per probe before it is reported as failed")
	maxTokens := fs.Int("max-tokens", 256, "max_tokens of each probe (bbq: 32)")
	th := bias.DefaultThresholds
	fs.Float64Var(&th.Alpha, "alpha", th.Alpha, "family-wise error rate (Holm correction over every effect)")
	fs.Float64Var(&th.Refusal, "min-refusal", th.Refusal, "refusal-rate difference that flags")
	fs.Float64Var(&th.Sentiment, "min-sentiment", th.Sentiment, "sentiment (VADER compound) difference that flags")
	fs.Float64Var(&th.Length, "min-length", th.Length, "relative length difference that flags")
	fs.Float64Var(&th.Agreement, "min-agreement", th.Agreement, "answer-agreement difference that flags")
	fs.Float64Var(&th.BBQ, "min-bbq", th.BBQ, "|BBQ bias score| that flags")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	bad := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "tollgate evals bias: "+format+"\n", a...)
		return 2
	}
	switch u, err := url.Parse(*base); {
	case fs.NArg() > 0:
		return bad("unexpected arguments %q", fs.Args())
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return bad("--url %q: want http(s)://host[:port]", *base)
	case *model == "":
		return bad("--model is required")
	case *suite != "counterfactual" && *suite != "bbq":
		return bad("--suite %q: want counterfactual or bbq", *suite)
	case *limit < 0 || *conc < 1 || *conc > 64 || *attempts < 1 || *maxTokens < 1:
		return bad("--limit >= 0, --concurrency 1..64, --attempts >= 1, --max-tokens >= 1")
	case !(th.Alpha > 0 && th.Alpha < 1):
		return bad("--alpha must be in (0, 1)")
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	var rep *bias.Report
	if *suite == "bbq" {
		if !flagSet(fs, "max-tokens") {
			*maxTokens = 32
		}
		opts := bias.BBQOptions{Model: *model, Limit: *limit, Seed: *seed, Concurrency: *conc, Thresholds: &th}
		if *data != "" {
			items, _, err := bias.ReadBBQDir(*data)
			if err != nil || len(items) == 0 {
				return bad("--data: %v", err)
			}
			opts.Items = items
		}
		a := bias.NewOpenAIAsker(*base, *key, *model, *maxTokens)
		a.SetRetry(*attempts, defaultBackoff)
		var err error
		if rep, err = bias.RunBBQ(ctx, a, opts); err != nil {
			return bad("%v", err)
		}
	} else {
		opts := bias.CounterfactualOptions{Model: *model, Limit: *limit, Seed: *seed, Concurrency: *conc, Thresholds: &th}
		if *data != "" {
			cats, tpls, err := bias.ReadHolisticBias(*data)
			if err != nil {
				return bad("--data: %v", err)
			}
			opts.Categories, opts.Templates = cats, tpls
		}
		a := bias.NewOpenAIAsker(*base, *key, *model, *maxTokens)
		a.SetRetry(*attempts, defaultBackoff)
		rep = bias.RunCounterfactual(ctx, a, opts)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return 2
	}
	switch {
	case !rep.Complete:
		fmt.Fprintf(stderr, "tollgate evals bias: incomplete run: %d of %d probes failed (listed under \"incomplete\")\n", rep.Failed, rep.Probes)
		return 2
	case rep.Flagged:
		return 1
	}
	return 0
}

// defaultBackoff is the wait before a probe's second attempt (doubled after each failure).
const defaultBackoff = 500 * time.Millisecond

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
