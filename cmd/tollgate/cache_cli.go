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
	"time"

	"github.com/tollgate-ai/tollgate/cache"
)

// cacheCLI talks to a running gateway's /admin/cache:
//
//	tollgate cache stats [--json]
//	tollgate cache purge (--tenant T | --model M | --tenant T --model M | --all)
//
// with --url (the ops listener by default, env TOLLGATE_URL) and
// --admin-key (env TOLLGATE_ADMIN_KEY).
func cacheCLI(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "stats" && args[0] != "purge") {
		fmt.Fprintln(stderr, "usage: tollgate cache stats [--json] | purge (--tenant T | --model M | --all) [--url URL] [--admin-key K]")
		return 2
	}
	cmd := args[0]
	fs := flag.NewFlagSet("cache "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", envOr("TOLLGATE_URL", defaultOpsURL), "gateway ops base URL (env TOLLGATE_URL)")
	key := fs.String("admin-key", os.Getenv("TOLLGATE_ADMIN_KEY"), "admin key sent as a bearer token (env TOLLGATE_ADMIN_KEY)")
	raw := fs.Bool("json", false, "stats: print the raw JSON")
	tenant := fs.String("tenant", "", "purge: the tenant whose answers to forget")
	model := fs.String("model", "", "purge: the model whose answers to forget")
	all := fs.Bool("all", false, "purge: forget every answer")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	method, u := http.MethodGet, strings.TrimRight(*base, "/")+"/admin/cache"
	if cmd == "purge" {
		if *tenant == "" && *model == "" && !*all {
			fmt.Fprintln(stderr, "tollgate cache purge: name --tenant, --model or both, or --all")
			return 2
		}
		q := url.Values{}
		if *tenant != "" {
			q.Set("tenant", *tenant)
		}
		if *model != "" {
			q.Set("model", *model)
		}
		method = http.MethodDelete
		if len(q) > 0 {
			u += "?" + q.Encode()
		}
	}
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		fmt.Fprintln(stderr, "tollgate cache:", err)
		return 2
	}
	if *key != "" {
		req.Header.Set("Authorization", "Bearer "+*key)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "tollgate cache:", err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "tollgate cache %s: %s answered %d: %s\n", cmd, *base, resp.StatusCode, body)
		return 1
	}
	if cmd == "purge" || *raw {
		_, _ = stdout.Write(body)
		fmt.Fprintln(stdout)
		return 0
	}
	var s cache.Stats
	if err := json.Unmarshal(body, &s); err != nil {
		fmt.Fprintln(stderr, "tollgate cache stats: unexpected answer:", err)
		return 1
	}
	fmt.Fprintf(stdout, "entries %d, %d of %d bytes in memory; redis %s\n", s.Entries, s.Bytes, s.MaxBytes, s.Redis)
	fmt.Fprintf(stdout, "hits %d, semantic hits %d, coalesced %d, misses %d, bypassed %d, stored %d; hit rate %.1f%%\n",
		s.Hits, s.SemanticHits, s.Coalesced, s.Misses, s.Bypassed, s.Stores, 100*s.HitRate)
	return 0
}
