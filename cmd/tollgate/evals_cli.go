package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/tollgate-ai/tollgate/evals/drift"
	"github.com/tollgate-ai/tollgate/evals/refusal"
	"github.com/tollgate-ai/tollgate/evals/report"
	"github.com/tollgate-ai/tollgate/evals/sentiment"
)

// evalsCommands are the `tollgate evals` subcommands. Each file that adds
// one registers it in its own init, so the evals tools stay independent.
var evalsCommands = map[string]func(args []string, stdin io.Reader, stdout, stderr io.Writer) int{}

func init() {
	subcommands["evals"] = evalsCLI
	evalsCommands["drift"] = drift.CLI(textScorers())
	evalsCommands["report"] = report.CLI(textScorers())
}

// textScorers are the refusal detector and the sentiment scorer the drift
// features use (a nil func skips its features).
func textScorers() drift.TextScorers {
	return drift.TextScorers{Refusal: refusal.Score, Sentiment: sentiment.Score}
}

// evalsCLI dispatches `tollgate evals <command>`.
func evalsCLI(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		if cmd, ok := evalsCommands[args[0]]; ok {
			return cmd(args[1:], stdin, stdout, stderr)
		}
		fmt.Fprintf(stderr, "tollgate evals: unknown command %q\n", args[0])
	}
	names := make([]string, 0, len(evalsCommands))
	for n := range evalsCommands {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(stderr, "usage: tollgate evals %s ...\n", strings.Join(names, "|"))
	return 2
}
