package drift

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/tollgate-ai/tollgate/evals"
	"github.com/tollgate-ai/tollgate/health"
)

// MonitorOptions configure a Monitor. Zero values take the defaults.
type MonitorOptions struct {
	// Models are the model names tracked (the name the client asked for,
	// Sample.Model); samples of other models are ignored. Empty tracks the
	// first MaxModels names seen.
	Models []string
	// The baseline, per model: the samples of BaselineFile (lines without
	// a model apply to every model), else those observed with a time in
	// [BaselineFrom, BaselineTo) when BaselineTo is set, else the first
	// BaselineSize samples observed. At most BaselineSize are kept.
	BaselineFile             string
	BaselineFrom, BaselineTo time.Time
	BaselineSize             int
	// Window is the current sliding window (the latest samples).
	Window int
	// MinSamples is the fewest samples the current window needs before
	// it is compared.
	MinSamples int
	// Interval between evaluations (off the request path, one goroutine).
	Interval time.Duration
	// Compare holds the statistics' options (alpha, permutations, seed).
	Compare Options
	// QueueSize bounds the samples waiting for feature extraction; a full
	// queue drops and counts in tollgate_queue_dropped_total{queue="drift"}.
	QueueSize int
	Scorers   TextScorers
	// Alert raises and resolves TollgateDriftDetected (health.Registry.Alert).
	Alert  func(health.Alert)
	Logger *slog.Logger
	// OnReport, when set, sees each model's comparison after it is
	// recorded (the /ui drift sparkline reads it).
	OnReport func(model string, rep Report)
}

// Monitor defaults.
const (
	DefaultBaselineSize = 1000
	DefaultWindow       = 500
	DefaultInterval     = 5 * time.Minute
	DefaultQueueSize    = 1024
	MaxModels           = 64
	AlertName           = "TollgateDriftDetected"
)

// Drift statuses of a model.
const (
	StatusWarmingUp = "warming_up" // the baseline or the current window is not full enough yet
	StatusOK        = "ok"
	StatusDrift     = "drift"
)

// Monitor watches sampled traffic per model: a baseline, a sliding
// current window, and a comparison every Interval.
type Monitor struct {
	o       MonitorOptions
	ex      *Extractor
	skipped []Skipped
	log     *slog.Logger
	queue   chan queued
	set     *metrics.Set
	dropped *metrics.Counter

	mu       sync.Mutex
	models   map[string]*modelState
	byID     map[evals.JoinKey]slotRef // samples held, for feedback
	fileBase map[string][]Vector       // from BaselineFile, by model ("" = any)

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

type modelState struct {
	name     string
	baseline []Vector
	frozen   bool // the baseline is complete
	ring     []Vector
	next     int
	baseKeys []evals.JoinKey // request of each baseline / ring vector
	ringKeys []evals.JoinKey
	fresh    int // samples since the last evaluation

	status   string
	report   Report
	at       time.Time
	detected *metrics.Gauge
	scores   map[string]*metrics.Gauge // feature/stat
}

func (o MonitorOptions) withDefaults() MonitorOptions {
	if o.BaselineSize <= 0 {
		o.BaselineSize = DefaultBaselineSize
	}
	if o.Window <= 0 {
		o.Window = DefaultWindow
	}
	if o.MinSamples <= 0 {
		o.MinSamples = min(o.Window, 100)
	}
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.QueueSize <= 0 {
		o.QueueSize = DefaultQueueSize
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// NewMonitor builds a Monitor and starts its goroutines; Close stops them.
func NewMonitor(o MonitorOptions) (*Monitor, error) {
	m, err := newMonitor(o)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	m.wg.Add(2)
	go m.ingestLoop(ctx)
	go m.evalLoop(ctx)
	return m, nil
}

// newMonitor builds a Monitor without goroutines (tests drive it).
func newMonitor(o MonitorOptions) (*Monitor, error) {
	o = o.withDefaults()
	if !o.BaselineTo.IsZero() && !o.BaselineFrom.Before(o.BaselineTo) {
		return nil, errors.New("drift: baseline range is empty (from must be before to)")
	}
	ex, err := NewExtractor(o.Scorers)
	if err != nil {
		return nil, err
	}
	set := metrics.NewSet()
	m := &Monitor{
		o: o, ex: ex, skipped: ex.Skipped(), log: o.Logger,
		queue:   make(chan queued, o.QueueSize),
		set:     set,
		dropped: set.NewCounter(`tollgate_queue_dropped_total{queue="drift"}`),
		models:  map[string]*modelState{},
		byID:    map[evals.JoinKey]slotRef{},
	}
	if o.BaselineFile != "" {
		recs, bad, err := readSampleFile(o.BaselineFile)
		if err != nil {
			return nil, fmt.Errorf("drift: baseline %s: %w", o.BaselineFile, err)
		}
		if bad > 0 {
			m.log.Warn("drift: malformed baseline lines skipped", "file", o.BaselineFile, "lines", bad)
		}
		m.fileBase = map[string][]Vector{}
		for i, v := range vectors(ex, recs) {
			name := recs[i].Model
			if len(m.fileBase[name]) < o.BaselineSize {
				m.fileBase[name] = append(m.fileBase[name], v)
			}
		}
	}
	for _, name := range o.Models {
		m.model(name)
	}
	metrics.RegisterSet(set)
	return m, nil
}

// Observe queues a sample for the monitor; it never blocks (a full queue
// drops the sample and counts it). The struct is copied; its maps (tags,
// findings) are read later and must not change after the call.
func (m *Monitor) Observe(s *evals.Sample) {
	select {
	case m.queue <- queued{s: *s}:
	default:
		m.dropped.Inc()
	}
}

// ObserveFeedback queues a feedback record (same queue as the samples,
// so it follows the sample it rates); it never blocks.
func (m *Monitor) ObserveFeedback(f *evals.Feedback) {
	select {
	case m.queue <- queued{fb: &evals.JoinKey{Tenant: f.Tenant, RequestID: f.RequestID}, score: f.Score}:
	default:
		m.dropped.Inc()
	}
}

// Close stops the goroutines and unregisters the metrics.
func (m *Monitor) Close() error {
	if m.cancel != nil {
		m.cancel()
		m.wg.Wait()
	}
	metrics.UnregisterSet(m.set, true)
	return nil
}

func (m *Monitor) ingestLoop(ctx context.Context) {
	defer m.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case q := <-m.queue:
			if q.fb != nil {
				m.addFeedback(*q.fb, q.score)
			} else {
				m.add(&q.s)
			}
		}
	}
}

func (m *Monitor) evalLoop(ctx context.Context) {
	defer m.wg.Done()
	t := time.NewTicker(m.o.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			m.evaluate(now)
		}
	}
}

// model returns the state of name, creating it when tracked; m.mu held
// or not yet shared.
func (m *Monitor) model(name string) *modelState {
	if st := m.models[name]; st != nil {
		return st
	}
	if len(m.o.Models) > 0 && !contains(m.o.Models, name) || len(m.models) >= MaxModels || !safeLabel(name) {
		return nil
	}
	st := &modelState{
		name: name, status: StatusWarmingUp,
		detected: m.set.NewGauge(fmt.Sprintf(`tollgate_drift_detected{model=%q}`, name), nil),
		scores:   map[string]*metrics.Gauge{},
	}
	if m.fileBase != nil {
		st.baseline = append(append([]Vector(nil), m.fileBase[name]...), m.fileBase[""]...)
		st.baseline = st.baseline[:min(len(st.baseline), m.o.BaselineSize)]
		st.frozen = true
	}
	m.models[name] = st
	return st
}

// add extracts the features of s (outside the lock: it is the costly
// part) and files them in the baseline or the current window.
func (m *Monitor) add(s *evals.Sample) {
	m.mu.Lock()
	st := m.model(s.Model)
	m.mu.Unlock()
	if st == nil {
		return
	}
	v := m.ex.Extract(s)
	m.mu.Lock()
	defer m.mu.Unlock()
	if !st.frozen {
		if m.o.BaselineTo.IsZero() { // the first BaselineSize samples
			m.appendBaseline(st, s, v)
			st.frozen = len(st.baseline) >= m.o.BaselineSize
			return
		}
		if s.Time.Before(m.o.BaselineTo) {
			if !s.Time.Before(m.o.BaselineFrom) && len(st.baseline) < m.o.BaselineSize {
				m.appendBaseline(st, s, v)
			}
			return
		}
		st.frozen = true // the pinned range is over
	}
	k := keyOf(s)
	i := len(st.ring)
	if i < m.o.Window {
		st.ring = append(st.ring, v)
		st.ringKeys = append(st.ringKeys, k)
	} else {
		i = st.next
		m.unindex(st.ringKeys[i], slotRef{st, false, i})
		st.ring[i], st.ringKeys[i] = v, k
		st.next = (st.next + 1) % m.o.Window
	}
	m.index(k, slotRef{st, false, i})
	st.fresh++
}

// evaluate compares every model with new samples, one at a time. The
// windows are copied under the lock and compared outside it.
func (m *Monitor) evaluate(now time.Time) {
	m.mu.Lock()
	names := make([]string, 0, len(m.models))
	for n := range m.models {
		names = append(names, n)
	}
	m.mu.Unlock()
	sort.Strings(names)
	for _, name := range names {
		m.mu.Lock()
		st := m.models[name]
		ready := st.frozen && len(st.baseline) > 0 && len(st.ring) >= m.o.MinSamples && st.fresh > 0
		var base, cur []Vector
		if ready {
			// copies: feedback fills held vectors in place (addFeedback)
			base, cur = append([]Vector(nil), st.baseline...), append([]Vector(nil), st.ring...)
			st.fresh = 0
		}
		m.mu.Unlock()
		if !ready {
			continue
		}
		rep := Compare(base, cur, m.skipped, m.o.Compare)
		m.record(st, rep, now)
		if m.o.OnReport != nil {
			m.o.OnReport(name, rep)
		}
	}
}

// record publishes one evaluation: metrics, status and alert transitions.
func (m *Monitor) record(st *modelState, rep Report, now time.Time) {
	m.mu.Lock()
	for _, r := range rep.Features {
		key := r.Feature + "/" + r.Stat
		g := st.scores[key]
		if g == nil {
			g = m.set.NewGauge(fmt.Sprintf(`tollgate_drift_score{model=%q,feature=%q,stat=%q}`, st.name, r.Feature, r.Stat), nil)
			st.scores[key] = g
		}
		g.Set(r.Value)
	}
	was := st.status
	st.report, st.at = rep, now
	st.status = StatusOK
	if rep.Drift {
		st.status = StatusDrift
	}
	st.detected.Set(b2f(rep.Drift))
	m.mu.Unlock()
	if m.o.Alert == nil || was == st.status || (was == StatusWarmingUp && !rep.Drift) {
		return
	}
	a := health.Alert{Name: AlertName, Labels: map[string]string{"model": st.name}, At: now}
	if rep.Drift {
		a.Annotations = map[string]string{
			"summary":     "drift in sampled traffic of model " + st.name,
			"description": "drifting features: " + strings.Join(driftingFeatures(rep), ", "),
		}
	} else {
		a.Resolved = true
	}
	m.o.Alert(a)
}

// Status is the drift status of model for /v1/health/models; ok is false
// for a model the monitor does not track.
func (m *Monitor) Status(model string) (status string, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.models[model]
	if st == nil {
		return "", false
	}
	return st.status, true
}

// ModelDrift is one model's drift state for /ui.
type ModelDrift struct {
	Model     string    `json:"model"`
	Status    string    `json:"status"`
	At        time.Time `json:"evaluated_at,omitzero"`
	Baseline  int       `json:"baseline_samples"`
	Current   int       `json:"current_samples"`
	Features  []string  `json:"drifting_features,omitempty"`
	Permitted float64   `json:"false_alarm_rate"`
}

// UIStatus is the "drift" section of /ui: {"status", "models"}; status is
// drift when any model drifts.
func (m *Monitor) UIStatus() any {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := struct {
		Status string       `json:"status"`
		Models []ModelDrift `json:"models"`
	}{Status: StatusWarmingUp, Models: []ModelDrift{}}
	alpha := m.o.Compare.withDefaults().Alpha
	for _, st := range m.models {
		out.Models = append(out.Models, ModelDrift{Model: st.name, Status: st.status, At: st.at,
			Baseline: len(st.baseline), Current: len(st.ring), Features: driftingFeatures(st.report), Permitted: alpha})
		switch {
		case st.status == StatusDrift:
			out.Status = StatusDrift
		case st.status == StatusOK && out.Status == StatusWarmingUp:
			out.Status = StatusOK
		}
	}
	sort.Slice(out.Models, func(i, j int) bool { return out.Models[i].Model < out.Models[j].Model })
	return out
}

// Report returns the last comparison of model.
func (m *Monitor) Report(model string) (Report, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.models[model]
	if st == nil || st.at.IsZero() {
		return Report{}, false
	}
	return st.report, true
}

func driftingFeatures(rep Report) []string {
	var out []string
	for _, r := range rep.Features {
		if r.Drift && !contains(out, r.Feature) {
			out = append(out, r.Feature)
		}
	}
	return out
}

// safeLabel keeps client-chosen model names that are not plain names out
// of metric labels.
func safeLabel(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._:/@-", c) >= 0) {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
