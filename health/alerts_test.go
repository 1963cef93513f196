package health

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// alertReceiver records decoded POST bodies; fail makes the first n requests answer 500.
type alertReceiver struct {
	srv      *httptest.Server
	mu       sync.Mutex
	bodies   [][]byte
	paths    []string
	attempts atomic.Int32
	fail     int32
}

func newAlertReceiver(t *testing.T, fail int32) *alertReceiver {
	t.Helper()
	ar := &alertReceiver{fail: fail}
	ar.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		n := ar.attempts.Add(1)
		if req.Method != "POST" || req.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "want POST application/json", 400)
			return
		}
		if n <= ar.fail {
			http.Error(w, "try later", 500)
			return
		}
		b, _ := io.ReadAll(req.Body)
		ar.mu.Lock()
		ar.bodies = append(ar.bodies, b)
		ar.paths = append(ar.paths, req.URL.Path)
		ar.mu.Unlock()
	}))
	t.Cleanup(ar.srv.Close)
	return ar
}

// waitAlerts decodes Alertmanager v2 arrays until n alerts arrived.
func (ar *alertReceiver) waitAM(t *testing.T, n int) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var all []map[string]any
		ar.mu.Lock()
		for _, b := range ar.bodies {
			var batch []map[string]any
			if err := json.Unmarshal(b, &batch); err != nil {
				t.Fatalf("Alertmanager body is not an array of alerts: %s", b)
			}
			all = append(all, batch...)
		}
		ar.mu.Unlock()
		if len(all) >= n {
			return all
		}
		if time.Now().After(deadline) {
			t.Fatalf("got %d alerts, want %d", len(all), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func labelsOf(a map[string]any) map[string]any { m, _ := a["labels"].(map[string]any); return m }

func TestAlertsToAlertmanagerAndWebhook(t *testing.T) {
	am := newAlertReceiver(t, 0)
	hook := newAlertReceiver(t, 0)
	opts := testOptions()
	opts.Logger = quietLogger()
	opts.Alerts = AlertOptions{AlertmanagerURL: am.srv.URL, WebhookURL: hook.srv.URL + "/hook", GeneratorURL: "http://tollgate.test/ui"}
	r, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	drift := Alert{Name: "TollgateDriftDetected", Labels: map[string]string{"feature": "prompt_length"}, Annotations: map[string]string{"summary": "prompt length drifted"}}
	r.Alert(drift)
	r.Alert(drift) // duplicate: deduplicated by fingerprint
	got := am.waitAM(t, 1)
	drift.Resolved = true
	r.Alert(drift)
	got = am.waitAM(t, 2)
	if len(got) != 2 {
		t.Fatalf("want exactly firing+resolved, got %d alerts: %v", len(got), got)
	}
	firing, resolved := got[0], got[1]
	l := labelsOf(firing)
	if l["alertname"] != "TollgateDriftDetected" || l["feature"] != "prompt_length" || l["severity"] != "warning" || l["source"] != "tollgate" {
		t.Fatalf("labels: %v", l)
	}
	if firing["generatorURL"] != "http://tollgate.test/ui" || firing["annotations"].(map[string]any)["summary"] != "prompt length drifted" {
		t.Fatalf("firing alert: %v", firing)
	}
	if _, has := firing["endsAt"]; has {
		t.Fatalf("firing alert must not carry endsAt: %v", firing)
	}
	starts, _ := time.Parse(time.RFC3339Nano, firing["startsAt"].(string))
	ends, err := time.Parse(time.RFC3339Nano, resolved["endsAt"].(string))
	if err != nil || ends.Before(starts) || resolved["startsAt"] != firing["startsAt"] {
		t.Fatalf("resolved alert times: %v (err %v)", resolved, err)
	}
	am.mu.Lock()
	if am.paths[0] != "/api/v2/alerts" {
		t.Fatalf("Alertmanager path %q, want /api/v2/alerts", am.paths[0])
	}
	am.mu.Unlock()

	// Status transitions raised by evaluation reach both receivers.
	feed(r, "mock-gpt", "primary", 20, Record{Status: 503, ErrKind: ErrConnect, Duration: time.Millisecond})
	r.evaluate()
	all := am.waitAM(t, 4) // deployment + model alerts
	found := false
	for _, a := range all[2:] {
		l := labelsOf(a)
		if l["alertname"] == "TollgateDeploymentUnhealthy" && l["model"] == "mock-gpt" && l["deployment"] == "primary" && l["severity"] == "critical" {
			found = a["annotations"].(map[string]any)["description"] != ""
		}
	}
	if !found {
		t.Fatalf("no TollgateDeploymentUnhealthy alert for mock-gpt/primary in %v", all[2:])
	}

	// The webhook got Alertmanager-webhook-shaped messages with statuses and fingerprints.
	deadline := time.Now().Add(10 * time.Second)
	var statuses []string
	for time.Now().Before(deadline) {
		statuses = statuses[:0]
		hook.mu.Lock()
		for _, b := range hook.bodies {
			var msg webhookMessage
			if err := json.Unmarshal(b, &msg); err != nil || msg.Version != "4" || len(msg.Alerts) == 0 {
				t.Fatalf("bad webhook body %s: %v", b, err)
			}
			for _, a := range msg.Alerts {
				if len(a.Fingerprint) != 16 {
					t.Fatalf("fingerprint %q", a.Fingerprint)
				}
				statuses = append(statuses, a.Status)
			}
		}
		hook.mu.Unlock()
		if len(statuses) >= 4 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !contains(statuses, "firing") || !contains(statuses, "resolved") {
		t.Fatalf("webhook statuses %v", statuses)
	}
	if n := scrape(t, r)[`tollgate_alerts_deduplicated_total`]; n < 1 {
		t.Fatalf("deduplicated = %v, want ≥1", n)
	}
}

func TestAlertDeliveryRetriesWithBackoff(t *testing.T) {
	am := newAlertReceiver(t, 2) // two 500s, then success
	opts := testOptions()
	opts.Logger = quietLogger()
	opts.Alerts = AlertOptions{AlertmanagerURL: am.srv.URL + "/api/v2/alerts", Backoff: time.Millisecond, Retries: 3}
	r, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	r.Alert(Alert{Name: "TollgateBudgetExhausted", Severity: "critical", Labels: map[string]string{"tenant": "acme"}})
	am.waitAM(t, 1)
	if n := am.attempts.Load(); n != 3 {
		t.Fatalf("attempts = %d, want 3", n)
	}
	deadline := time.Now().Add(5 * time.Second)
	for scrape(t, r)[`tollgate_alert_deliveries_total{receiver="alertmanager",result="ok"}`] != 1 {
		if time.Now().After(deadline) {
			t.Fatal("successful delivery not counted")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestDeadAlertReceiverDropsAndCountsWithoutBlockingRecord(t *testing.T) {
	release := make(chan struct{})
	dead := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { <-release }))
	defer dead.Close()
	defer close(release)
	opts := testOptions()
	opts.Logger = quietLogger()
	opts.Alerts = AlertOptions{AlertmanagerURL: dead.URL, QueueSize: 4, Timeout: time.Hour, Retries: 1}
	r, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	const n = 100
	for i := 0; i < n; i++ { // never blocks although the receiver never answers
		r.Alert(Alert{Name: "TollgateDriftDetected", Labels: map[string]string{"feature": string(rune('a'+i%26)) + string(rune('a'+i/26))}})
	}
	m := r.Model("mock-gpt")
	rec := okRecord(time.Second)
	rec.Model, rec.Deployment = m, m.Deployment("primary")
	for i := 0; i < 1000; i++ {
		r.Record(&rec)
	}
	if allocs := testing.AllocsPerRun(100, func() { r.Record(&rec) }); allocs != 0 && !raceEnabled {
		t.Fatalf("Record allocates %v while the alert receiver is dead", allocs)
	}
	got := scrape(t, r)
	if got[`tollgate_requests_total{model="mock-gpt",deployment="primary",status="2xx"}`] != 1101 {
		t.Fatal("records lost while the alert receiver is dead")
	}
	// The worker holds at most one batch and the queue holds 4: the rest must be counted as dropped. A batch is
	// whatever the worker drains while the alerts arrive, up to 64 (alerts.go), not just what one full queue held.
	if d := got[`tollgate_queue_dropped_total{queue="alerts"}`]; d < n-64-4 {
		t.Fatalf("dropped = %v, want ≥ %d", d, n-64-4)
	}
	r.Close() // must not hang on the dead receiver
}

func TestRecentAlertsRingNewestFirst(t *testing.T) {
	opts := testOptions()
	opts.Alerts.RecentSize = 3
	r := newTestRegistry(t, opts, nil)
	for _, f := range []string{"a", "b", "c", "d"} {
		r.Alert(Alert{Name: "X", Labels: map[string]string{"feature": f}})
	}
	ev := r.RecentAlerts()
	if len(ev) != 3 || ev[0].Labels["feature"] != "d" || ev[2].Labels["feature"] != "b" {
		t.Fatalf("recent = %+v", ev)
	}
}

// Firing alerts are re-sent every RepeatInterval (Alertmanager resolves alerts it stops hearing about); alerts
// still queued at Close are counted as dropped.
func TestAlertResendAndCloseAccounting(t *testing.T) {
	clk := newFakeClock()
	opts := testOptions()
	opts.Alerts = AlertOptions{AlertmanagerURL: "http://127.0.0.1:9/", RepeatInterval: time.Minute}
	r := newTestRegistry(t, opts, clk) // no worker: the queue only fills
	r.Alert(Alert{Name: "TollgateDriftDetected", Labels: map[string]string{"feature": "x"}})
	r.alerts.resendDue()
	if n := len(r.alerts.queue); n != 1 {
		t.Fatalf("queued %d, want 1 (not yet due)", n)
	}
	clk.advance(61 * time.Second)
	r.alerts.resendDue()
	if n := len(r.alerts.queue); n != 2 {
		t.Fatalf("queued %d, want 2 after RepeatInterval", n)
	}
	r.Alert(Alert{Name: "TollgateDriftDetected", Labels: map[string]string{"feature": "x"}, Resolved: true})
	r.alerts.resendDue() // resolved: nothing left to repeat
	if n := len(r.alerts.queue); n != 3 {
		t.Fatalf("queued %d, want 3", n)
	}
	r.Close()
	if d := r.alerts.dropped.Get(); d != 3 { // the set is unregistered after Close: read the handle
		t.Fatalf("dropped at close = %v, want 3", d)
	}
}
