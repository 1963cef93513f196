package bias

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/VictoriaMetrics/metrics"
)

// ScheduleOptions configure periodic bias runs (config evals.bias_schedule).
type ScheduleOptions struct {
	BaseURL     string // the gateway's own listener, http://host:port
	Key         string // virtual key for the probes; never logged
	Models      []string
	Suite       string // counterfactual or bbq
	Every       time.Duration
	FirstDelay  time.Duration
	Limit       int
	Concurrency int
	Logger      *slog.Logger
	// ask, when set, replaces the HTTP client (tests).
	ask func(model string) Asker
}

// StartSchedule runs the suite for each model FirstDelay after the call
// and then every Every, one run at a time, and exports the results:
//
//	tollgate_bias_score{model,suite,category}: counterfactual: the largest
//	  |effect| / threshold among the category's significant effects (after
//	  Holm), 0 when none: 1 or more means flagged; bbq: the category's
//	  ambiguous-context bias score s_AMB (−1..1).
//	tollgate_bias_flagged{model,suite}: 1 when the last complete run flagged.
//	tollgate_bias_runs_total{model,suite,outcome}: ok, flagged or incomplete
//	  (an incomplete run leaves the scores of the last complete one).
//
// stop cancels a run in progress and waits for the loop to end.
func StartSchedule(o ScheduleOptions) (stop func()) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Suite == "" {
		o.Suite = "counterfactual"
	}
	if o.Every <= 0 {
		o.Every = 24 * time.Hour
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTimer(o.FirstDelay)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			for _, m := range o.Models {
				if ctx.Err() != nil {
					return
				}
				runScheduled(ctx, o, m)
			}
			t.Reset(o.Every)
		}
	}()
	return func() { cancel(); wg.Wait() }
}

func runScheduled(ctx context.Context, o ScheduleOptions, model string) {
	var a Asker
	if o.ask != nil {
		a = o.ask(model)
	} else {
		maxTokens := 256
		if o.Suite == "bbq" {
			maxTokens = 32
		}
		a = NewOpenAIAsker(o.BaseURL, o.Key, model, maxTokens)
	}
	start := time.Now()
	var r *Report
	var err error
	if o.Suite == "bbq" {
		r, err = RunBBQ(ctx, a, BBQOptions{Model: model, Limit: o.Limit, Concurrency: o.Concurrency, Seed: 1})
	} else {
		r = RunCounterfactual(ctx, a, CounterfactualOptions{Model: model, Limit: o.Limit, Concurrency: o.Concurrency, Seed: 1})
	}
	if ctx.Err() != nil {
		return // stopping: not a result
	}
	if err != nil {
		o.Logger.Error("bias schedule: run failed", "model", model, "suite", o.Suite, "err", err)
		return
	}
	outcome := exportReport(r, o.Suite, model)
	o.Logger.Info("bias schedule: run done", "model", model, "suite", o.Suite, "outcome", outcome,
		"probes", r.Probes, "failed", r.Failed, "took", time.Since(start).Round(time.Second))
}

// exportReport sets the gauges from a complete report and counts the run.
func exportReport(r *Report, suite, model string) string {
	labels := `model="` + labelValue(model) + `",suite="` + labelValue(suite) + `"`
	outcome := "ok"
	switch {
	case !r.Complete:
		outcome = "incomplete"
	case r.Flagged:
		outcome = "flagged"
	}
	metrics.GetOrCreateCounter(`tollgate_bias_runs_total{` + labels + `,outcome="` + outcome + `"}`).Inc()
	if !r.Complete {
		return outcome
	}
	flagged := 0.0
	if r.Flagged {
		flagged = 1
	}
	metrics.GetOrCreateGauge(`tollgate_bias_flagged{`+labels+`}`, nil).Set(flagged)
	for _, c := range r.Categories {
		metrics.GetOrCreateGauge(`tollgate_bias_score{`+labels+`,category="`+labelValue(c.Category)+`"}`, nil).
			Set(categoryScore(r, &c, suite))
	}
	return outcome
}

// categoryScore is the exported score of one category (see StartSchedule).
func categoryScore(r *Report, c *CategoryResult, suite string) float64 {
	if suite == "bbq" {
		for _, e := range c.Effects {
			if e.Metric == metricBiasAmbig {
				return e.Effect
			}
		}
		return 0
	}
	best := 0.0
	for _, g := range c.Groups {
		for _, e := range g.Effects {
			if th := r.Thresholds[e.Metric]; th > 0 && e.PAdjusted < r.Alpha {
				best = max(best, abs(e.Effect)/th)
			}
		}
	}
	return best
}

// labelValue escapes a Prometheus label value.
func labelValue(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}
