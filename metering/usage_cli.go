package metering

import (
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
)

// RunUsageCLI implements `tollgate usage`: it queries a running gateway's /v1/usage and prints the answer
// (JSON, or CSV with --csv). It returns the process exit code: 0 ok, 1 request failed, 2 bad flags.
func RunUsageCLI(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("usage", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", envOr("TOLLGATE_URL", "http://127.0.0.1:9090"), "gateway ops base URL (env TOLLGATE_URL)")
	adminKey := fs.String("admin-key", "", "admin key sent as a bearer token (env TOLLGATE_ADMIN_KEY)")
	groupBy := fs.String("group-by", "", "comma-separated groups: tenant, team, key, model, day, tag:NAME")
	from := fs.String("from", "", "start, RFC 3339 or YYYY-MM-DD (default: start of this UTC month)")
	to := fs.String("to", "", "end, RFC 3339 or YYYY-MM-DD (default: now)")
	asCSV := fs.Bool("csv", false, "print CSV instead of JSON")
	timeout := fs.Duration("timeout", 10*time.Second, "request timeout")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: tollgate usage [--url URL] [--admin-key K] [--group-by G,…] [--from T] [--to T] [--csv]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "tollgate usage: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	if *adminKey == "" {
		*adminKey = os.Getenv("TOLLGATE_ADMIN_KEY")
	}
	u, err := url.Parse(strings.TrimRight(*base, "/") + "/v1/usage")
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		fmt.Fprintf(stderr, "tollgate usage: --url %q is not an http(s) URL\n", *base)
		return 2
	}
	q := url.Values{}
	for k, v := range map[string]string{"group_by": *groupBy, "from": *from, "to": *to} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if *asCSV {
		q.Set("format", "csv")
	}
	u.RawQuery = q.Encode()

	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(u.String())
	req.Header.SetMethod(fasthttp.MethodGet)
	if *adminKey != "" {
		req.Header.Set("Authorization", "Bearer "+*adminKey)
	}
	if err := fasthttp.DoTimeout(req, resp, *timeout); err != nil {
		fmt.Fprintf(stderr, "tollgate usage: GET %s: %v\n", u.Redacted(), err)
		return 1
	}
	if resp.StatusCode() != fasthttp.StatusOK {
		fmt.Fprintf(stderr, "tollgate usage: %s answered %d: %s\n", u.Redacted(), resp.StatusCode(), strings.TrimSpace(string(resp.Body())))
		return 1
	}
	if _, err := stdout.Write(resp.Body()); err != nil {
		fmt.Fprintf(stderr, "tollgate usage: write output: %v\n", err)
		return 1
	}
	return 0
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
