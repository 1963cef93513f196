package main

import (
	"fmt"
	"os"
	"sort"
)

// evalsCommands are the `tollgate evals` subcommands; each file that adds
// one registers it in init().
var evalsCommands = map[string]func(args []string) int{}

// runEvals dispatches `tollgate evals NAME …` to evalsCommands[NAME].
func runEvals(args []string) int {
	if len(args) > 0 {
		if cmd, ok := evalsCommands[args[0]]; ok {
			return cmd(args[1:])
		}
		fmt.Fprintf(os.Stderr, "tollgate evals: unknown command %q\n", args[0])
	}
	names := make([]string, 0, len(evalsCommands))
	for n := range evalsCommands {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(os.Stderr, "usage: tollgate evals %v [flags]\n", names)
	return 2
}
