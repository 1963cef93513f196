// Command run is `loadtest/run SCENARIO`: it runs one registered load
// scenario (loadtest/scenario), stops everything it started, writes the
// result as JSON and Markdown under loadtest/results/ and exits non-zero
// when a check failed.
//
//	loadtest/run -list
//	loadtest/run direct-vs-gateway -duration 10s -before HEAD~3
//	loadtest/run features-on -rate 500 -set mix=…
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/tollgate-ai/tollgate/loadtest/scenario"
)

func main() { os.Exit(run()) }

func run() int {
	fs := flag.NewFlagSet("loadtest/run", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: loadtest/run [flags] SCENARIO   (flags may also follow SCENARIO)\n\nscenarios:\n")
		for _, s := range scenario.All() {
			fmt.Fprintf(fs.Output(), "  %-18s %s\n", s.Name, s.About)
		}
		fmt.Fprintf(fs.Output(), "\nflags:\n")
		fs.PrintDefaults()
	}
	var o scenario.Options
	list := fs.Bool("list", false, "list the scenarios")
	fs.BoolVar(&o.Smoke, "smoke", false, "a few seconds and small counts (what make test runs)")
	fs.DurationVar(&o.Duration, "duration", 0, "each measured phase (0 = the scenario's default)")
	fs.IntVar(&o.Rate, "rate", 0, "requests/s of open-loop phases (0 = the scenario's default)")
	fs.IntVar(&o.Conns, "conns", 0, "connections (0 = the scenario's default)")
	fs.IntVar(&o.Repeats, "repeats", 0, "interleaved A/B repeats (0 = the scenario's default)")
	fs.StringVar(&o.Before, "before", os.Getenv("BEFORE"), "git ref: also build and run that commit's tollgate (env BEFORE)")
	timeout := fs.Duration("timeout", 2*time.Hour, "the whole run's bound")
	out := fs.String("out", "loadtest/results", "where results are written (relative to the repository root)")
	verbose := fs.Bool("v", true, "progress lines on stderr")
	o.Set = map[string]string{}
	fs.Func("set", "KEY=VALUE: a scenario-specific setting (repeatable)", func(v string) error {
		k, val, ok := strings.Cut(v, "=")
		if !ok {
			return fmt.Errorf("want KEY=VALUE, got %q", v)
		}
		o.Set[k] = val
		return nil
	})
	// Flags before and after the scenario's name.
	args := os.Args[1:]
	if err := fs.Parse(args); err != nil {
		return 2
	}
	name := fs.Arg(0)
	if fs.NArg() > 1 {
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return 2
		}
		if fs.NArg() > 0 {
			fmt.Fprintf(os.Stderr, "loadtest/run: unexpected arguments %q\n", fs.Args())
			return 2
		}
	}
	if *list || name == "" {
		fs.Usage()
		if name == "" && !*list {
			return 2
		}
		return 0
	}
	sc, ok := scenario.Lookup(name)
	if !ok {
		fmt.Fprintf(os.Stderr, "loadtest/run: no scenario %q (loadtest/run -list)\n", name)
		return 2
	}

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, *timeout)
	defer cancelT()
	eo := scenario.EnvOptions{}
	if *verbose {
		eo.Log = os.Stderr
	}
	res, err := scenario.Execute(ctx, sc, o, eo)
	if res != nil {
		dir := *out
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(res.Root, dir)
		}
		md, werr := res.Write(dir)
		if werr != nil {
			fmt.Fprintln(os.Stderr, "loadtest/run: write result:", werr)
		} else {
			fmt.Print(res.Markdown())
			fmt.Fprintln(os.Stderr, "written:", md)
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintf(os.Stderr, "loadtest/run %s: stopped (%v) after: %v; every process it started is stopped\n", name, ctx.Err(), err)
			return 1
		}
		fmt.Fprintf(os.Stderr, "loadtest/run %s: %v\n", name, err)
		return 1
	}
	if failed := res.Failed(); len(failed) > 0 {
		for _, c := range failed {
			fmt.Fprintf(os.Stderr, "FAILED check %q: want %s, got %s\n", c.Name, c.Want, c.Got)
		}
		return 1
	}
	return 0
}
