// Command tollgate is the Tollgate LLM gateway and its operator tools.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/tollgate-ai/tollgate/filters"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/tollgate-ai/tollgate/metering/tokenizer"
	"github.com/tollgate-ai/tollgate/policy"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// run dispatches subcommands; "serve" is the default.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || (len(args[0]) > 0 && args[0][0] == '-') {
		return serve(args, stderr)
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stderr)
	case "version":
		fmt.Fprintln(stdout, "tollgate", version)
		return 0
	case "help", "-h", "--help":
		usage(stdout)
		return 0
	}
	if cmd, ok := subcommands[args[0]]; ok {
		return cmd(args[1:], stdin, stdout, stderr)
	}
	fmt.Fprintf(stderr, "tollgate: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

// subcommands are the operator tools other packages provide.
var subcommands = map[string]func(args []string, stdin io.Reader, stdout, stderr io.Writer) int{
	"tokens":  tokenizer.RunCLI,
	"policy":  policy.RunCLI,
	"health":  healthCLI,
	"filters": filters.RunCLI,
	"cache":   cacheCLI,
	"usage": func(args []string, _ io.Reader, stdout, stderr io.Writer) int {
		return metering.RunUsageCLI(args, stdout, stderr)
	},
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: tollgate [command] [flags]

commands:
  serve      run the gateway (default)
             --config FILE   (env TOLLGATE_CONFIG; none = embedded default)
             --listen ADDR   (env TOLLGATE_LISTEN; default 127.0.0.1:8080)
             --ops-listen ADDR|off (env TOLLGATE_OPS_LISTEN; default 127.0.0.1:9090)
  policy     test|check|eval Rego policies
  tokens     count tokens: tokens --model M [FILE]
  filters    scan text for PII, secrets and blocklisted words: filters scan [--lines] [--config FILE] [FILE]
  usage      query a running gateway's usage ledger: usage [--url OPS_URL] [--admin-key K]
  health     show a running gateway's per-model health: health [--url OPS_URL] [--admin-key K] [--json]
             (both default to http://127.0.0.1:9090, env TOLLGATE_URL and TOLLGATE_ADMIN_KEY)
  cache      a running gateway's response cache: cache stats [--json] | cache purge (--tenant T | --model M | --all)
             (--url OPS_URL --admin-key K, as health)
  evals      judge model answers and sampled traffic: evals refusal --lines [FILE]
             evals bias --url URL --model M --suite counterfactual|bbq [--limit N] [--seed S] [--key K] [--data DIR]
             evals drift --baseline FILE --current FILE [--seed S]
             evals report --out FILE.html --current SAMPLES [--baseline SAMPLES] [--bias FILE]
             evals feedback --ledger DIR|redis://… --samples SINK [--group-by model|key|tenant|team] [--from T] [--to T]
  rollouts   a running gateway's model rollouts: rollouts status [--json] | promote|rollback|pause|resume MODEL [--reason R]
             (--url OPS_URL or --addr HOST:PORT, --admin-key K, as health)
  version    print the version
`)
}
