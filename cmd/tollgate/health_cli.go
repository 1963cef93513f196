package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// healthCLI prints a running gateway's per-model health as a table
// (tollgate health [--url URL] [--admin-key K] [--json]). It asks the ops
// listener by default; elsewhere the endpoint needs the admin or ops key.
// maxHealthAnswer bounds what the CLI reads: more is an error, never a
// silently cut document.
const maxHealthAnswer = 16 << 20

func healthCLI(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", envOr("TOLLGATE_URL", defaultOpsURL), "gateway ops base URL (env TOLLGATE_URL)")
	key := fs.String("admin-key", os.Getenv("TOLLGATE_ADMIN_KEY"), "admin or ops key sent as a bearer token (env TOLLGATE_ADMIN_KEY)")
	raw := fs.Bool("json", false, "print the raw JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	req, err := http.NewRequest(http.MethodGet, strings.TrimRight(*url, "/")+"/v1/health/models", nil)
	if err != nil {
		fmt.Fprintln(stderr, "tollgate health:", err)
		return 2
	}
	if *key != "" {
		req.Header.Set("Authorization", "Bearer "+*key)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "tollgate health:", err)
		return 1
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxHealthAnswer+1))
	if err == nil && len(body) > maxHealthAnswer {
		fmt.Fprintf(stderr, "tollgate health: %s answered more than %d bytes; refusing a truncated answer\n", *url, maxHealthAnswer)
		return 1
	}
	if err != nil || resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "tollgate health: %s answered %d: %s\n", *url, resp.StatusCode, body)
		return 1
	}
	if *raw {
		_, _ = stdout.Write(body)
		fmt.Fprintln(stdout)
		return 0
	}
	var doc struct {
		Models []struct {
			Model, Status, Reason string
			Requests              uint64
			ErrorRate             float64 `json:"error_rate"`
			P50                   float64 `json:"latency_p50_ms"`
			P99                   float64 `json:"latency_p99_ms"`
			TTFT                  float64 `json:"ttft_p50_ms"`
			TokensPerS            float64 `json:"tokens_per_s"`
			CostUSD               float64 `json:"cost_usd"`
			Deployments           []struct {
				Deployment, Status, Circuit, Reason string
				Requests                            uint64
				ErrorRate                           float64 `json:"error_rate"`
			}
		}
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		fmt.Fprintln(stderr, "tollgate health: unexpected answer:", err)
		return 1
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MODEL\tDEPLOYMENT\tSTATUS\tREQ/1m\tERR%\tP50 ms\tP99 ms\tTTFT ms\tTOK/s\tCOST $\tREASON")
	for _, m := range doc.Models {
		fmt.Fprintf(tw, "%s\t\t%s\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.0f\t%.4f\t%s\n", m.Model, m.Status, m.Requests,
			100*m.ErrorRate, m.P50, m.P99, m.TTFT, m.TokensPerS, m.CostUSD, m.Reason)
		for _, d := range m.Deployments {
			fmt.Fprintf(tw, "\t%s\t%s\t%d\t%.1f\t\t\t\t\t\tcircuit %s %s\n", d.Deployment, d.Status, d.Requests, 100*d.ErrorRate, d.Circuit, d.Reason)
		}
	}
	_ = tw.Flush()
	return 0
}

// defaultOpsURL is where the CLIs find a local gateway's ops endpoints.
const defaultOpsURL = "http://127.0.0.1:9090"

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
