package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tollgate-ai/tollgate/rollouts"
)

func init() { subcommands["rollouts"] = rolloutsCLI }

// rolloutsCLI talks to a running gateway's /admin/rollouts:
//
//	tollgate rollouts status [--json]
//	tollgate rollouts promote|rollback|pause|resume MODEL [--reason R]
//
// with --url (the ops listener by default, env TOLLGATE_URL; --addr
// HOST:PORT is the same as --url http://HOST:PORT) and --admin-key (env
// TOLLGATE_ADMIN_KEY).
func rolloutsCLI(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	const usageLine = "usage: tollgate rollouts status [--json] | promote|rollback|pause|resume MODEL [--reason R]  [--url URL | --addr HOST:PORT] [--admin-key K]"
	if len(args) == 0 {
		fmt.Fprintln(stderr, usageLine)
		return 2
	}
	cmd := args[0]
	switch cmd {
	case "status", "promote", "rollback", "pause", "resume":
	default:
		fmt.Fprintln(stderr, usageLine)
		return 2
	}
	fs := flag.NewFlagSet("rollouts "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", envOr("TOLLGATE_URL", defaultOpsURL), "gateway ops base URL (env TOLLGATE_URL)")
	addr := fs.String("addr", "", "gateway ops address HOST:PORT (instead of --url)")
	key := fs.String("admin-key", os.Getenv("TOLLGATE_ADMIN_KEY"), "admin key sent as a bearer token (env TOLLGATE_ADMIN_KEY)")
	raw := fs.Bool("json", false, "print the raw JSON")
	reason := fs.String("reason", "", "why (recorded with the decision)")
	rest := args[1:]
	var model string
	if cmd != "status" {
		if len(rest) == 0 || strings.HasPrefix(rest[0], "-") {
			fmt.Fprintf(stderr, "tollgate rollouts %s: name the model: tollgate rollouts %s MODEL\n", cmd, cmd)
			return 2
		}
		model, rest = rest[0], rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "tollgate rollouts %s: unexpected arguments %q\n", cmd, fs.Args())
		return 2
	}
	if *addr != "" {
		*base = "http://" + *addr
	}
	method, u := http.MethodGet, strings.TrimRight(*base, "/")+"/admin/rollouts"
	if cmd != "status" {
		method, u = http.MethodPost, u+"/"+model+"/"+cmd
		if *reason != "" {
			u += "?reason=" + url.QueryEscape(*reason)
		}
	}
	body, err := adminCall(method, u, *key)
	if err != nil {
		fmt.Fprintf(stderr, "tollgate rollouts %s: %v\n", cmd, err)
		return 1
	}
	if *raw || cmd != "status" {
		_, _ = stdout.Write(body)
		fmt.Fprintln(stdout)
		return 0
	}
	var doc struct {
		Rollouts []rollouts.Status `json:"rollouts"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		fmt.Fprintln(stderr, "tollgate rollouts status: unexpected answer:", err)
		return 1
	}
	printRollouts(stdout, doc.Rollouts)
	return 0
}

// printRollouts writes the status table: one line per rollout, then its
// last analysis' checks that did not pass.
func printRollouts(w io.Writer, rs []rollouts.Status) {
	if len(rs) == 0 {
		fmt.Fprintln(w, "no rollouts configured")
		return
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MODEL\tMODE\tSTATE\tSTEP\tPERCENT\tFAILURES\tLAST\tSTABLE REQ\tCANDIDATE REQ\tREASON")
	for _, r := range rs {
		last, sreq, creq := "-", "-", "-"
		if r.Last != nil {
			last = r.Last.Outcome
			sreq, creq = fmt.Sprint(r.Last.Stable.Requests), fmt.Sprint(r.Last.Candidate.Requests)
		}
		step := "-"
		if len(r.Steps) > 0 {
			step = fmt.Sprintf("%d/%d", r.Step+1, len(r.Steps))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%g%%\t%d\t%s\t%s\t%s\t%s\n", r.Model, r.Mode, r.State, step, r.Percent,
			r.Failures, last, sreq, creq, r.Reason)
		if r.Last == nil {
			continue
		}
		for _, c := range r.Last.Checks {
			if c.Verdict == rollouts.VerdictPass || c.Verdict == rollouts.VerdictSkipped {
				continue
			}
			fmt.Fprintf(tw, "  check %s\t%s\tvalue %.3g [%.3g, %.3g]\tlimit %s\t\t\t\t\t\t%s\n", c.Name, c.Verdict, c.Value, c.Low, c.High,
				c.Limit, c.Detail)
		}
	}
	_ = tw.Flush()
}

// maxAdminAnswer bounds what the CLI reads: more is an error, never a
// silently cut document.
const maxAdminAnswer = 16 << 20

// adminCall sends one request to an admin endpoint and returns the body
// of a 2xx answer; anything else is an error carrying the gateway's answer.
func adminCall(method, u, key string) ([]byte, error) {
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		return nil, err
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAdminAnswer+1))
	switch {
	case err != nil:
		return nil, err
	case len(body) > maxAdminAnswer:
		return nil, fmt.Errorf("%s answered more than %d bytes; refusing a truncated answer", u, maxAdminAnswer)
	case resp.StatusCode/100 != 2:
		return nil, fmt.Errorf("%s answered %d: %s", u, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return body, nil
}
