package health

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/VictoriaMetrics/metrics"
)

// Alert is an event for operators: status changes raised by the Registry itself, and drift or budget events
// that other packages raise with Registry.Alert. Alerts with the same Name, Severity and Labels share a
// fingerprint: a repeated firing alert is deduplicated, and Resolved ends it.
type Alert struct {
	Name        string            // alertname, e.g. "TollgateDriftDetected"
	Severity    string            // "warning" (default), "critical" or "info"
	Labels      map[string]string // identifying labels (model, tenant, feature …) — bounded values only, no secrets
	Annotations map[string]string // summary, description, runbook_url …
	Resolved    bool
	At          time.Time // when it started (firing) or ended (resolved); zero = now
}

// AlertEvent is one entry of the recent-alerts ring shown on /ui.
type AlertEvent struct {
	Name     string            `json:"name"`
	Status   string            `json:"status"` // firing | resolved
	Severity string            `json:"severity"`
	Labels   map[string]string `json:"labels"`
	Summary  string            `json:"summary,omitempty"`
	At       time.Time         `json:"at"`
}

// Alert raises or resolves an alert. It never blocks: when the delivery queue is full the alert is dropped and
// counted in tollgate_queue_dropped_total{queue="alerts"}.
func (r *Registry) Alert(a Alert) { r.alerts.enqueue(a) }

// RecentAlerts returns the latest alert events, newest first.
func (r *Registry) RecentAlerts() []AlertEvent { return r.alerts.recentEvents() }

// amAlert is one alert in Alertmanager's v2 API shape (POST /api/v2/alerts takes an array of these).
type amAlert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt,omitzero"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
	fingerprint  uint64
}

type activeAlert struct {
	alert    amAlert
	lastSent time.Time
}

type alerter struct {
	opts    AlertOptions
	log     *slog.Logger
	now     func() time.Time
	amURL   string
	enabled bool
	queue   chan amAlert
	client  *http.Client

	dropped      *metrics.Counter
	deduplicated *metrics.Counter
	delivered    map[string]*metrics.Counter // receiver/result -> counter

	mu     sync.Mutex
	active map[uint64]*activeAlert
	recent []AlertEvent // ring
	next   int
}

func newAlerter(set *metrics.Set, o AlertOptions, log *slog.Logger, now func() time.Time) *alerter {
	a := &alerter{
		opts:         o,
		log:          log,
		now:          now,
		enabled:      o.AlertmanagerURL != "" || o.WebhookURL != "",
		queue:        make(chan amAlert, o.QueueSize),
		client:       &http.Client{},
		dropped:      set.NewCounter(`tollgate_queue_dropped_total{queue="alerts"}`),
		deduplicated: set.NewCounter(`tollgate_alerts_deduplicated_total`),
		delivered:    map[string]*metrics.Counter{},
		active:       map[uint64]*activeAlert{},
		recent:       make([]AlertEvent, 0, o.RecentSize),
	}
	if u := o.AlertmanagerURL; u != "" {
		a.amURL = u
		if !strings.HasSuffix(strings.TrimRight(u, "/"), "/api/v2/alerts") {
			a.amURL = strings.TrimRight(u, "/") + "/api/v2/alerts"
		}
	}
	for _, recv := range []string{"alertmanager", "webhook"} {
		for _, res := range []string{"ok", "error"} {
			a.delivered[recv+"/"+res] = set.NewCounter(series("tollgate_alert_deliveries_total", "receiver", recv, "result", res))
		}
	}
	return a
}

func fingerprint(labels map[string]string) uint64 {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := fnv.New64a()
	for _, k := range keys {
		h.Write([]byte(k))
		h.Write([]byte{0xff})
		h.Write([]byte(labels[k]))
		h.Write([]byte{0xfe})
	}
	return h.Sum64()
}

func (a *alerter) enqueue(in Alert) {
	now := a.now()
	at := in.At
	if at.IsZero() {
		at = now
	}
	sev := in.Severity
	if sev == "" {
		sev = "warning"
	}
	labels := make(map[string]string, len(in.Labels)+3)
	for k, v := range in.Labels {
		labels[k] = v
	}
	labels["alertname"] = in.Name
	labels["severity"] = sev
	labels["source"] = "tollgate"
	fp := fingerprint(labels)

	a.mu.Lock()
	var out amAlert
	if in.Resolved {
		act := a.active[fp]
		if act == nil { // never fired, or already resolved
			a.mu.Unlock()
			a.deduplicated.Inc()
			return
		}
		delete(a.active, fp)
		out = act.alert
		out.EndsAt = at
	} else {
		if act := a.active[fp]; act != nil {
			a.mu.Unlock()
			a.deduplicated.Inc()
			return
		}
		ann := make(map[string]string, len(in.Annotations))
		for k, v := range in.Annotations {
			ann[k] = v
		}
		out = amAlert{Labels: labels, Annotations: ann, StartsAt: at, GeneratorURL: a.opts.GeneratorURL, fingerprint: fp}
		a.active[fp] = &activeAlert{alert: out, lastSent: now}
	}
	a.remember(out, in.Resolved, sev, at)
	a.mu.Unlock()
	a.push(out)
}

// remember adds an event to the recent ring; a.mu is held.
func (a *alerter) remember(x amAlert, resolved bool, sev string, at time.Time) {
	ev := AlertEvent{Name: x.Labels["alertname"], Status: "firing", Severity: sev, Summary: x.Annotations["summary"], At: at}
	if resolved {
		ev.Status = "resolved"
	}
	ev.Labels = make(map[string]string, len(x.Labels))
	for k, v := range x.Labels {
		if k != "alertname" && k != "severity" && k != "source" {
			ev.Labels[k] = v
		}
	}
	if len(a.recent) < cap(a.recent) {
		a.recent = append(a.recent, ev)
		return
	}
	a.recent[a.next] = ev
	a.next = (a.next + 1) % len(a.recent)
}

func (a *alerter) recentEvents() []AlertEvent {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]AlertEvent, 0, len(a.recent))
	for i := len(a.recent) - 1; i >= 0; i-- {
		out = append(out, a.recent[(a.next+i)%len(a.recent)])
	}
	return out
}

func (a *alerter) push(x amAlert) {
	if !a.enabled {
		return
	}
	select {
	case a.queue <- x:
	default:
		a.dropped.Inc()
		a.log.Warn("health: alert queue full, alert dropped", "alertname", x.Labels["alertname"], "queue_size", cap(a.queue))
	}
}

// resendDue re-sends firing alerts older than RepeatInterval: Alertmanager resolves alerts it stops hearing about.
func (a *alerter) resendDue() {
	if !a.enabled {
		return
	}
	now := a.now()
	var due []amAlert
	a.mu.Lock()
	for _, act := range a.active {
		if now.Sub(act.lastSent) >= a.opts.RepeatInterval {
			act.lastSent = now
			due = append(due, act.alert)
		}
	}
	a.mu.Unlock()
	for _, x := range due {
		a.push(x)
	}
}

func (a *alerter) start(ctx context.Context, wg *sync.WaitGroup) {
	if !a.enabled {
		return
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case x := <-a.queue:
				batch := []amAlert{x}
				for len(batch) < 64 {
					select {
					case y := <-a.queue:
						batch = append(batch, y)
						continue
					default:
					}
					break
				}
				a.deliver(ctx, batch)
			}
		}
	}()
}

// close counts alerts still queued after the worker stopped, so none vanish silently.
func (a *alerter) close() {
	n := 0
	for {
		select {
		case <-a.queue:
			n++
			continue
		default:
		}
		break
	}
	if n > 0 {
		a.dropped.Add(n)
		a.log.Warn("health: alerts still queued at shutdown were dropped", "count", n)
	}
}

func (a *alerter) deliver(ctx context.Context, batch []amAlert) {
	if a.amURL != "" {
		body, err := json.Marshal(batch)
		a.send(ctx, "alertmanager", a.amURL, body, err)
	}
	if a.opts.WebhookURL != "" {
		body, err := json.Marshal(webhookPayload(batch, a.opts.GeneratorURL))
		a.send(ctx, "webhook", a.opts.WebhookURL, body, err)
	}
}

func (a *alerter) send(ctx context.Context, receiver, url string, body []byte, err error) {
	if err == nil {
		err = a.postWithRetry(ctx, url, body)
	}
	if err != nil {
		a.delivered[receiver+"/error"].Inc()
		a.log.Warn("health: alert delivery failed", "receiver", receiver, "url", redactURL(url), "error", err)
		return
	}
	a.delivered[receiver+"/ok"].Inc()
}

func (a *alerter) postWithRetry(ctx context.Context, url string, body []byte) error {
	backoff := a.opts.Backoff
	var err error
	for attempt := 0; attempt <= a.opts.Retries; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return fmt.Errorf("gave up after %d attempts: %w (last error: %v)", attempt, ctx.Err(), err)
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 5*time.Second)
		}
		if err = a.post(ctx, url, body); err == nil {
			return nil
		}
	}
	return fmt.Errorf("gave up after %d attempts: %w", a.opts.Retries+1, err)
}

func (a *alerter) post(ctx context.Context, url string, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, a.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("cannot build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.client.Do(req)
	if err != nil {
		return fmt.Errorf("post %s: %w", redactURL(url), stripURLErr(err))
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("post %s: status %d: %q", redactURL(url), resp.StatusCode, msg)
	}
	return nil
}

// stripURLErr removes the url.Error wrapper whose message repeats the full (possibly credentialed) URL.
func stripURLErr(err error) error {
	type unwrapper interface{ Unwrap() error }
	if u, ok := err.(unwrapper); ok && strings.HasPrefix(err.Error(), "Post ") {
		return u.Unwrap()
	}
	return err
}

// webhookAlert and webhookMessage follow Alertmanager's webhook format, so existing receivers understand it.
type webhookAlert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt,omitzero"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
	Fingerprint  string            `json:"fingerprint"`
}

type webhookMessage struct {
	Version     string         `json:"version"`
	Receiver    string         `json:"receiver"`
	Status      string         `json:"status"`
	ExternalURL string         `json:"externalURL,omitempty"`
	Alerts      []webhookAlert `json:"alerts"`
}

func webhookPayload(batch []amAlert, externalURL string) webhookMessage {
	msg := webhookMessage{Version: "4", Receiver: "tollgate", Status: "resolved", ExternalURL: externalURL}
	for _, x := range batch {
		st := "resolved"
		if x.EndsAt.IsZero() {
			st = "firing"
			msg.Status = "firing"
		}
		msg.Alerts = append(msg.Alerts, webhookAlert{
			Status: st, Labels: x.Labels, Annotations: x.Annotations, StartsAt: x.StartsAt, EndsAt: x.EndsAt,
			GeneratorURL: x.GeneratorURL, Fingerprint: fmt.Sprintf("%016x", x.fingerprint),
		})
	}
	return msg
}
