package metering

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

func usageLedger(t *testing.T) *Ledger {
	t.Helper()
	l := openTestLedger(t, LedgerOptions{Dir: t.TempDir()})
	for i := range 30 {
		l.Add(sampleRecord(i))
	}
	closeLedger(t, l)
	return l
}

func serveUsage(l *Ledger, uri string) *fasthttp.Response {
	var rc fasthttp.RequestCtx
	rc.Request.SetRequestURI(uri)
	l.ServeUsage(&rc)
	var resp fasthttp.Response
	rc.Response.CopyTo(&resp)
	return &resp
}

func TestServeUsageJSONGolden(t *testing.T) {
	l := usageLedger(t)
	resp := serveUsage(l, "/v1/usage?group_by=tenant,model&from=2026-03-14T00:00:00Z&to=2026-03-15T00:00:00Z")
	if resp.StatusCode() != 200 || string(resp.Header.ContentType()) != "application/json" {
		t.Fatalf("status %d, content type %s: %s", resp.StatusCode(), resp.Header.ContentType(), resp.Body())
	}
	golden := filepath.Join("testdata", "usage_tenant_model.json")
	if os.Getenv("UPDATE_GOLDEN") != "" {
		os.WriteFile(golden, resp.Body(), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden (UPDATE_GOLDEN=1 to create): %v", err)
	}
	if !bytes.Equal(resp.Body(), want) {
		t.Fatalf("body differs from %s:\n%s", golden, resp.Body())
	}
	var parsed struct {
		Data []map[string]any `json:"data"`
	}
	if err := json.Unmarshal(resp.Body(), &parsed); err != nil || len(parsed.Data) != 6 {
		t.Fatalf("body is not JSON with 6 rows: %v", err)
	}
	if _, ok := parsed.Data[0]["cost_usd"].(float64); !ok {
		t.Fatalf("cost_usd is not a JSON number: %v", parsed.Data[0])
	}
}

func TestServeUsageCSV(t *testing.T) {
	l := usageLedger(t)
	resp := serveUsage(l, "/v1/usage?group_by=tenant,tag:project&from=2026-03-14&to=2026-03-15&format=csv")
	if resp.StatusCode() != 200 || !strings.HasPrefix(string(resp.Header.ContentType()), "text/csv") {
		t.Fatalf("status %d, content type %s", resp.StatusCode(), resp.Header.ContentType())
	}
	lines := strings.Split(strings.TrimSpace(string(resp.Body())), "\n")
	if want := "tenant,tag_project,requests,prompt_tokens,completion_tokens,cached_tokens,reasoning_tokens,cost_usd,cost_saved_usd,cache_hits,errors,avg_latency_ms,flagged"; lines[0] != want {
		t.Fatalf("CSV header %q; want %q", lines[0], want)
	}
	if len(lines) != 5 { // a and b, each with and without the tag
		t.Fatalf("CSV has %d lines; want header + 4 rows:\n%s", len(lines), resp.Body())
	}
}

func TestServeUsageBadParams(t *testing.T) {
	l := usageLedger(t)
	f := func(uri, wantParam, wantMsg string) {
		t.Helper()
		resp := serveUsage(l, uri)
		var body struct {
			Error struct {
				Message, Type, Code string
				Param               *string
			}
		}
		if err := json.Unmarshal(resp.Body(), &body); err != nil {
			t.Fatalf("%s: body not JSON: %s", uri, resp.Body())
		}
		if resp.StatusCode() != 400 || body.Error.Type != "invalid_request_error" || body.Error.Param == nil || *body.Error.Param != wantParam || !strings.Contains(body.Error.Message, wantMsg) {
			t.Errorf("%s: %d %s; want 400 invalid_request_error param %s mentioning %q", uri, resp.StatusCode(), resp.Body(), wantParam, wantMsg)
		}
	}
	f("/v1/usage?group_by=tenant,planet", "group_by", `unknown group "planet"`)
	f("/v1/usage?group_by=tag:", "group_by", "tag:NAME")
	f("/v1/usage?from=yesterday", "from", "not an RFC 3339 time")
	f("/v1/usage?from=2026-03-15&to=2026-03-14", "to", "must be after from")
	f("/v1/usage?from=2020-01-01&to=2026-01-01", "from", "longer than the maximum")
	f("/v1/usage?format=xml", "format", "json or csv")
}

func TestRunUsageCLI(t *testing.T) {
	l := usageLedger(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: func(rc *fasthttp.RequestCtx) {
		if string(rc.Request.Header.Peek("Authorization")) != "Bearer admin-secret" {
			rc.SetStatusCode(401)
			rc.SetBodyString(`{"error":{"message":"bad admin key","type":"invalid_request_error","code":"invalid_api_key","param":null}}`)
			return
		}
		l.ServeUsage(rc)
	}}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown() })
	url := "http://" + ln.Addr().String()

	f := func(args []string, wantCode int, wantOut, wantErr string) {
		t.Helper()
		var out, errb bytes.Buffer
		code := RunUsageCLI(args, &out, &errb)
		if code != wantCode || !strings.Contains(out.String(), wantOut) || !strings.Contains(errb.String(), wantErr) {
			t.Errorf("usage %v = %d\nstdout %s\nstderr %s\nwant %d, stdout ∋ %q, stderr ∋ %q", args, code, out.String(), errb.String(), wantCode, wantOut, wantErr)
		}
	}
	f([]string{"--url", url, "--admin-key", "admin-secret", "--group-by", "tenant", "--from", "2026-03-14", "--to", "2026-03-15"}, 0, `"tenant":"a","requests":15`, "")
	f([]string{"--url", url, "--admin-key", "admin-secret", "--from", "2026-03-14", "--to", "2026-03-15", "--csv"}, 0, "requests,prompt_tokens", "")
	f([]string{"--url", url, "--admin-key", "wrong"}, 1, "", "answered 401")
	f([]string{"--url", url, "--admin-key", "admin-secret", "--group-by", "planet"}, 1, "", `unknown group`)
	f([]string{"--url", "ftp://x"}, 2, "", "not an http(s) URL")
	f([]string{"--bogus"}, 2, "", "flag provided but not defined")
	f([]string{"extra"}, 2, "", `unexpected argument "extra"`)
}
