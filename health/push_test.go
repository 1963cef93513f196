package health

import (
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

type pushed struct {
	method, auth, encoding string
	body                   string
}

func pushReceiver(t *testing.T) (*httptest.Server, chan pushed) {
	t.Helper()
	got := make(chan pushed, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var rd io.Reader = req.Body
		if req.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(req.Body)
			if err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			rd = zr
		}
		b, _ := io.ReadAll(rd)
		select {
		case got <- pushed{req.Method, req.Header.Get("Authorization"), req.Header.Get("Content-Encoding"), string(b)}:
		default:
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

func TestPushSendsAllMetricsWithExtraLabels(t *testing.T) {
	srv, got := pushReceiver(t)
	opts := testOptions()
	opts.Push = PushOptions{URL: srv.URL + "/api/v1/import/prometheus", ExtraLabels: map[string]string{"region": "eu-west", "instance": "gw-1"},
		Headers: []string{"Authorization: Bearer push-token"}}
	r := newTestRegistry(t, opts, nil)
	feed(r, "mock-gpt", "primary", 2, okRecord(time.Second))
	if err := r.pushOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	p := <-got
	if p.method != "POST" || p.encoding != "gzip" || p.auth != "Bearer push-token" {
		t.Fatalf("push request: %+v", p)
	}
	want := `tollgate_requests_total{instance="gw-1",region="eu-west",model="mock-gpt",deployment="primary",status="2xx"} 2`
	if !strings.Contains(p.body, want) {
		t.Fatalf("pushed body lacks %q:\n%.2000s", want, p.body)
	}
	if !strings.Contains(p.body, `go_goroutines{instance="gw-1",region="eu-west"}`) {
		t.Fatal("process/go metrics not pushed")
	}
}

func TestPushLoopRunsOnInterval(t *testing.T) {
	srv, got := pushReceiver(t)
	opts := testOptions()
	opts.Logger = quietLogger()
	opts.Push = PushOptions{URL: srv.URL, Interval: 20 * time.Millisecond}
	r, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for i := 0; i < 2; i++ {
		select {
		case p := <-got:
			if !strings.Contains(p.body, "tollgate_model_health") {
				t.Fatal("periodic push lacks tollgate metrics")
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no periodic push within 10s")
		}
	}
}

func TestPushToHangingURLTimesOut(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		<-release // never answers until the test ends
	}))
	defer srv.Close()
	defer close(release)
	opts := testOptions()
	opts.Push = PushOptions{URL: "http://user:s3cret@" + strings.TrimPrefix(srv.URL, "http://"), Timeout: 100 * time.Millisecond}
	r := newTestRegistry(t, opts, nil)
	err := r.pushOnce(context.Background())
	if err == nil {
		t.Fatal("push to a hanging receiver reported success")
	}
	if !strings.Contains(err.Error(), "deadline exceeded") {
		t.Fatalf("error should say the push timed out: %v", err)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error leaks the URL password: %v", err)
	}
}
