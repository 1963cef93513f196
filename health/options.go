package health

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Options configures a Registry. Zero values get the defaults documented per field.
type Options struct {
	// Models lists the configured models; only these names (and their deployments) become label values.
	Models []ModelSpec
	// Tenants is the allowlist of tenant label values for cost metrics; any other tenant is counted as "other".
	Tenants []string
	// Push, when Push.URL is set, pushes all metrics periodically to a Prometheus-text import URL.
	Push PushOptions
	// Alerts, when a URL is set, sends status changes and Registry.Alert events to Alertmanager and/or a webhook.
	Alerts AlertOptions
	// MinRequests is how many requests a 1 min window needs before error rate and latency are judged (default 5).
	MinRequests int
	// EvalInterval is how often statuses are re-evaluated (default 1s).
	EvalInterval time.Duration
	// Logger receives push/alert failures and status changes (nil = slog.Default()).
	Logger *slog.Logger
}

// ModelSpec is one configured model and its upstream deployments.
type ModelSpec struct {
	Name        string
	Deployments []string
	SLO         SLO
}

// SLO holds per-model objectives; a zero field means "not set": error rate then uses DefaultMaxErrorRate and
// latency/TTFT use anomaly detection against the deployment's own baseline.
type SLO struct {
	MaxErrorRate float64       // fraction of requests, 0..1
	LatencyP99   time.Duration // whole-request p99
	TTFTP99      time.Duration // time to first token p99
}

// DefaultMaxErrorRate is the error-rate objective used when a model sets none.
const DefaultMaxErrorRate = 0.05

// PushOptions configures the periodic metrics push.
type PushOptions struct {
	URL         string            // e.g. http://victoriametrics:8428/api/v1/import/prometheus; empty = no push
	Interval    time.Duration     // default 15s
	Timeout     time.Duration     // per push, default min(Interval, 10s)
	ExtraLabels map[string]string // added to every pushed series, e.g. instance, region
	Method      string            // default POST
	Headers     []string          // "Name: value", e.g. an Authorization header (never logged)
}

// AlertOptions configures alert delivery.
type AlertOptions struct {
	AlertmanagerURL string        // base URL (http://am:9093) or the full /api/v2/alerts URL; empty = off
	WebhookURL      string        // receives Alertmanager-webhook-shaped JSON; empty = off
	QueueSize       int           // bounded queue; default 256; overflow is counted in tollgate_queue_dropped_total{queue="alerts"}
	Timeout         time.Duration // per delivery attempt, default 5s
	Retries         int           // extra attempts after the first: 0 = default 3, negative = none
	Backoff         time.Duration // first retry delay, doubled each retry, default 200ms, capped at 5s
	RepeatInterval  time.Duration // re-send active firing alerts so Alertmanager keeps them, default 1m
	GeneratorURL    string        // link placed in each alert, e.g. https://tollgate.example/ui
	RecentSize      int           // recent alerts kept for /ui, default 50
}

var labelNameRe = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// maxLabelValueLen bounds configured names so a typo'd config cannot create huge series.
const maxLabelValueLen = 200

func (o *Options) withDefaults() Options {
	c := *o
	if c.MinRequests <= 0 {
		c.MinRequests = 5
	}
	if c.EvalInterval <= 0 {
		c.EvalInterval = time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	p := &c.Push
	if p.Interval <= 0 {
		p.Interval = 15 * time.Second
	}
	if p.Timeout <= 0 {
		p.Timeout = min(p.Interval, 10*time.Second)
	}
	if p.Method == "" {
		p.Method = "POST"
	}
	a := &c.Alerts
	if a.QueueSize <= 0 {
		a.QueueSize = 256
	}
	if a.Timeout <= 0 {
		a.Timeout = 5 * time.Second
	}
	if a.Retries < 0 {
		a.Retries = 0
	} else if a.Retries == 0 {
		a.Retries = 3
	}
	if a.Backoff <= 0 {
		a.Backoff = 200 * time.Millisecond
	}
	if a.RepeatInterval <= 0 {
		a.RepeatInterval = time.Minute
	}
	if a.RecentSize <= 0 {
		a.RecentSize = 50
	}
	return c
}

// validate returns every problem at once so an operator fixes the config in one pass.
func (o *Options) validate() error {
	var errs []error
	seen := map[string]bool{}
	for i, m := range o.Models {
		where := fmt.Sprintf("models[%d]", i)
		if err := checkName(m.Name); err != nil {
			errs = append(errs, fmt.Errorf("%s.name: %w", where, err))
		} else if m.Name == OtherLabel {
			errs = append(errs, fmt.Errorf("%s.name: %q is reserved for unknown models", where, OtherLabel))
		} else if seen[m.Name] {
			errs = append(errs, fmt.Errorf("%s.name: duplicate model %q", where, m.Name))
		}
		seen[m.Name] = true
		deps := map[string]bool{}
		for j, d := range m.Deployments {
			if err := checkName(d); err != nil {
				errs = append(errs, fmt.Errorf("%s.deployments[%d]: %w", where, j, err))
			} else if d == OtherLabel || deps[d] {
				errs = append(errs, fmt.Errorf("%s.deployments[%d]: %q is reserved or duplicate", where, j, d))
			}
			deps[d] = true
		}
		if r := m.SLO.MaxErrorRate; r < 0 || r > 1 {
			errs = append(errs, fmt.Errorf("%s.slo.max_error_rate: %v is outside 0..1", where, r))
		}
		if m.SLO.LatencyP99 < 0 || m.SLO.TTFTP99 < 0 {
			errs = append(errs, fmt.Errorf("%s.slo: latencies must not be negative", where))
		}
	}
	for i, t := range o.Tenants {
		if err := checkName(t); err != nil {
			errs = append(errs, fmt.Errorf("tenants[%d]: %w", i, err))
		}
	}
	if o.Push.URL != "" {
		if err := checkHTTPURL(o.Push.URL); err != nil {
			errs = append(errs, fmt.Errorf("push.url: %w", err))
		}
		for k := range o.Push.ExtraLabels {
			if !labelNameRe.MatchString(k) {
				errs = append(errs, fmt.Errorf("push.extra_labels: %q is not a valid Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)", k))
			}
		}
		for _, h := range o.Push.Headers {
			if !strings.Contains(h, ":") {
				errs = append(errs, errors.New(`push.headers: each header must look like "Name: value"`))
			}
		}
	}
	if u := o.Alerts.AlertmanagerURL; u != "" {
		if err := checkHTTPURL(u); err != nil {
			errs = append(errs, fmt.Errorf("alerts.alertmanager_url: %w", err))
		}
	}
	if u := o.Alerts.WebhookURL; u != "" {
		if err := checkHTTPURL(u); err != nil {
			errs = append(errs, fmt.Errorf("alerts.webhook_url: %w", err))
		}
	}
	return errors.Join(errs...)
}

func checkName(s string) error {
	if s == "" {
		return errors.New("must not be empty")
	}
	if len(s) > maxLabelValueLen {
		return fmt.Errorf("%d bytes is longer than %d", len(s), maxLabelValueLen)
	}
	for _, c := range s {
		if c < 0x20 || c == 0x7f {
			return fmt.Errorf("%q contains a control character", s)
		}
	}
	return nil
}

func checkHTTPURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("cannot parse %q: %w", redactURL(s), err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%q must start with http:// or https://", u.Redacted())
	}
	if u.Host == "" {
		return fmt.Errorf("%q has no host", u.Redacted())
	}
	return nil
}

// redactURL hides user:password in URLs that are echoed in errors and logs.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "<unparsable url>"
	}
	return u.Redacted()
}

// extraLabelsString renders labels as the sorted `k="v",k2="v2"` form the push library expects.
func extraLabelsString(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k)
		b.WriteString(`="`)
		b.WriteString(escapeLabelValue(m[k]))
		b.WriteByte('"')
	}
	return b.String()
}

// escapeLabelValue applies the Prometheus text-format escaping for label values.
func escapeLabelValue(s string) string {
	if !strings.ContainsAny(s, "\\\"\n") {
		return s
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return r.Replace(s)
}
