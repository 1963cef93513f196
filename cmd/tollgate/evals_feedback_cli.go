package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/tollgate-ai/tollgate/evals"
)

func init() { evalsCommands["feedback"] = evalsFeedbackCLI }

// evalsFeedbackCLI implements `tollgate evals feedback --ledger L
// --samples S [--group-by model|key|tenant|team] [--from T] [--to T]`:
// the feedback of the sample sink joined to the ledger's records by
// (tenant, request id), per group, as JSON. Exit 0, or 2 on bad flags
// or an unreadable source.
func evalsFeedbackCLI(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("evals feedback", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ledger := fs.String("ledger", "", "ledger: its directory, ledger.jsonl, or redis://host:port/db (needs --from/--to)")
	samples := fs.String("samples", "", "sample sink holding the feedback: file, directory or redis://…?stream=tg:samples")
	groupBy := fs.String("group-by", "model", "model, key, tenant or team")
	from := fs.String("from", "", "start, RFC 3339 or YYYY-MM-DD (default: open)")
	to := fs.String("to", "", "end, RFC 3339 or YYYY-MM-DD (default: open)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	groups := make([]string, 0, len(evals.LedgerGroups))
	for g := range evals.LedgerGroups {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	if _, ok := evals.LedgerGroups[*groupBy]; !ok {
		fmt.Fprintf(stderr, "tollgate evals feedback: --group-by must be one of %s\n", strings.Join(groups, ", "))
		return 2
	}
	if *ledger == "" || *samples == "" {
		fmt.Fprintln(stderr, "tollgate evals feedback: --ledger and --samples are required")
		return 2
	}
	var t0, t1 time.Time
	for _, p := range []struct {
		v   string
		dst *time.Time
	}{{*from, &t0}, {*to, &t1}} {
		if p.v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, p.v)
		if err != nil {
			if t, err = time.Parse(time.DateOnly, p.v); err != nil {
				fmt.Fprintf(stderr, "tollgate evals feedback: %q is neither RFC 3339 nor YYYY-MM-DD\n", p.v)
				return 2
			}
		}
		*p.dst = t
	}
	res, err := evals.JoinLedgerFeedback(*ledger, *samples, *groupBy, t0, t1)
	if err != nil {
		fmt.Fprintf(stderr, "tollgate evals feedback: %v\n", err)
		return 2
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(res); err != nil {
		return 2
	}
	return 0
}
