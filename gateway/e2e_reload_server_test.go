package gateway_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/mockllm"
)

const serverReloadConfig = `
server: {max_body_bytes: %BODY%, read_buffer_bytes: %BUF%, concurrency: %CONC%}
admin: {key: sk-admin}
upstreams: [{name: a, kind: openai, base_url: "{{MOCK}}"}]
models:
  - {name: mock-gpt, deployments: [{upstream: a}]}
%EXTRA%
%REDIS%
`

func serverConfig(body, buf, conc, extra, redis string) string {
	return strings.NewReplacer("%BODY%", body, "%BUF%", buf, "%CONC%", conc, "%EXTRA%", extra, "%REDIS%", redis).Replace(serverReloadConfig)
}

func chatBody(size int) string {
	head, tail := `{"model":"mock-gpt","messages":[{"role":"user","content":"`, `"}]}`
	return head + strings.Repeat("x", size-len(head)-len(tail)) + tail
}

// TestReloadAppliesMaxBodyBytes: server.max_body_bytes applies on reload,
// lower and higher than the starting value, and the 413 names the limit
// that refused the body.
func TestReloadAppliesMaxBodyBytes(t *testing.T) {
	mockURL, _ := startMock(t, mockllm.Options{})
	vars := map[string]string{"MOCK": mockURL}
	base, gw := startGateway(t, serverConfig("4096", "65536", "0", "", ""), vars)
	if status, _, resp := rawPost(t, base+"/chat/completions", "", chatBody(3000)); status != 200 {
		t.Fatalf("3 KB under a 4 KB limit: %d %s", status, resp)
	}
	if err := gw.Reload(parseConfig(t, serverConfig("2048", "65536", "0", "", ""), vars)); err != nil {
		t.Fatal(err)
	}
	status, _, resp := rawPost(t, base+"/chat/completions", "", chatBody(3000))
	if status != 413 || !strings.Contains(resp, "exceeds 2048 bytes") {
		t.Fatalf("3 KB after lowering the limit to 2048: %d %s", status, resp)
	}
	if err := gw.Reload(parseConfig(t, serverConfig("16384", "65536", "0", "", ""), vars)); err != nil {
		t.Fatal(err)
	}
	if status, _, resp := rawPost(t, base+"/chat/completions", "", chatBody(10000)); status != 200 {
		t.Fatalf("10 KB after raising the limit past the starting 4 KB: %d %s", status, resp)
	}
	if p := gw.PendingRestart(); len(p) != 0 {
		t.Fatalf("max_body_bytes applies live, yet reported as needing a restart: %v", p)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestReloadReportsSettingsNeedingRestart: a reload that changes settings
// only a restart applies still applies the rest, names them (never their
// values) in a warning and in the /admin/reload answer, and error messages
// keep quoting the values in force.
func TestReloadReportsSettingsNeedingRestart(t *testing.T) {
	mockURL, _ := startMock(t, mockllm.Options{})
	vars := map[string]string{"MOCK": mockURL}
	logs := &syncBuffer{}
	gw, err := gateway.New(parseConfig(t, serverConfig("8192", "8192", "0", "", ""), vars),
		gateway.Options{Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	root := serveGateway(t, gw)
	next := serverConfig("8192", "65536", "100", "  - {name: extra, deployments: [{upstream: a, model: mock-gpt}]}",
		`redis: {addrs: ["127.0.0.1:1"], password: hunter2-secret}`)
	gw.SetReloadFunc(func() error { return gw.Reload(parseConfig(t, next, vars)) })

	status, _, resp := rawPost(t, root+"/admin/reload", "sk-admin", "")
	if status != 200 {
		t.Fatalf("reload: %d %s", status, resp)
	}
	for _, want := range []string{`"needs_restart"`, "server.read_buffer_bytes", "server.concurrency", `"redis"`} {
		if !strings.Contains(resp, want) {
			t.Errorf("reload answer %s lacks %s", resp, want)
		}
	}
	if strings.Contains(resp, "max_body_bytes") {
		t.Errorf("reload answer %s names a setting that applies live", resp)
	}
	out := logs.String()
	if !strings.Contains(out, "need a restart") || !strings.Contains(out, "server.concurrency") || strings.Contains(out, "hunter2") {
		t.Errorf("warning missing, or a value leaked:\n%s", out)
	}
	if _, err := newClient(root+"/v1", "").GetModel(context.Background(), "extra"); err != nil {
		t.Fatalf("the live part of the reload was not applied: %v", err)
	}
	// read_buffer_bytes is still the starting 8192: the 431 says so.
	req, _ := http.NewRequest(http.MethodPost, root+"/v1/chat/completions", strings.NewReader(chatBody(200)))
	req.Header.Set("X-Big", strings.Repeat("h", 20000))
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	_, _ = b.ReadFrom(r.Body)
	r.Body.Close()
	if r.StatusCode != 431 || !strings.Contains(b.String(), "exceed 8192 bytes") {
		t.Fatalf("20 KB header with the running 8 KiB buffer: %d %s", r.StatusCode, b.String())
	}
	// Back to the running values: nothing pending.
	if err := gw.Reload(parseConfig(t, serverConfig("8192", "8192", "0", "", ""), vars)); err != nil {
		t.Fatal(err)
	}
	if p := gw.PendingRestart(); len(p) != 0 {
		t.Fatalf("pending after reverting: %v", p)
	}
}
