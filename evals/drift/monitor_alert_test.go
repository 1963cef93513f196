package drift

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/health"
)

// Drift reaches ops the way health alerts do: the webhook receives
// TollgateDriftDetected for the model, then its resolution, and the
// registry's model health carries the status.
func TestMonitorAlertsThroughHealth(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
	}))
	defer srv.Close()
	reg, err := health.New(health.Options{Models: []health.ModelSpec{{Name: "m", Deployments: []string{"d"}}},
		Alerts: health.AlertOptions{WebhookURL: srv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	m, err := newMonitor(MonitorOptions{Models: []string{"m"}, BaselineSize: 100, Window: 100, MinSamples: 80,
		Compare: Options{Permutations: 100}, Alert: reg.Alert})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	reg.SetDriftStatus(m.Status)
	math, jail := testSamples(t, "m")
	for i := range math[:100] {
		m.add(&math[i])
	}
	for i := range jail[:100] {
		m.add(&jail[i])
	}
	m.evaluate(time.Now())
	if snap := reg.Snapshot(); len(snap) == 0 || snap[0].Model != "m" || snap[0].Drift != StatusDrift {
		t.Fatalf("model health: %+v", snap)
	}
	waitFor := func(what string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			mu.Lock()
			all := strings.Join(bodies, "\n")
			mu.Unlock()
			if strings.Contains(all, what) {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("webhook never received %q; got %q", what, bodies)
	}
	waitFor(`"alertname":"TollgateDriftDetected"`)
	waitFor(`"model":"m"`)
	for i := range math[100:200] {
		m.add(&math[100+i])
	}
	m.evaluate(time.Now())
	waitFor(`"status":"resolved"`)
	if ev := reg.RecentAlerts(); len(ev) < 2 || ev[0].Status != "resolved" || ev[1].Name != AlertName {
		t.Errorf("recent alerts: %+v", ev)
	}
}
